"""Answering: sentence scoring, the extractive answerer, LLM generation and the check of every citation."""
