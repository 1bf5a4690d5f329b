"""Retrieval: the Chroma store (the only chromadb importer), the BM25 index, and dense/BM25/hybrid retrievers."""
