"""Prompt templates (`*.md`), installed as the package `assistant.prompts` and read with importlib.resources."""
