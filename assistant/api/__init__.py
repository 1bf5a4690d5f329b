"""The HTTP API (FastAPI): native routes, OpenAI-compatible routes, errors, and serving with uvicorn."""
