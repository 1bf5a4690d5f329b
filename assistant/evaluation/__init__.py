"""Evaluation: question sets scored end to end, BEIR retrieval benchmarks, metrics and reports."""
