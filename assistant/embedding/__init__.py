"""Embedders: the `Embedder` interface (base.py) and its backends (ONNX, PyTorch, a cache, a fake)."""
