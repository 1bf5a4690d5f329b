"""Conversations kept on the server: a SQLite store of questions, answers and their sources."""
