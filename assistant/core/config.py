"""One typed Settings object, read from `ASSISTANT_*` environment variables."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.core.errors import InvalidOptionError

PACKAGED_EMBEDDING_MODEL = "all-MiniLM-L6-v2"
# The most passages one question may retrieve: the CLI, the HTTP API, the page and the Python API all hold to it.
MAX_K = 50


class Settings(BaseSettings):
    """Everything that can be configured; every field is `ASSISTANT_<NAME>` in the environment."""

    model_config = SettingsConfigDict(env_prefix="ASSISTANT_", extra="ignore", validate_assignment=True)

    index_dir: Path = Field(Path("index"), description="Folder of the persistent Chroma index.")
    chroma_url: str | None = Field(
        None, description="URL of a Chroma server (http://host:port); when set, used instead of index_dir."
    )
    collection: str = Field("assistant", description="Name prefix of the Chroma collections (3-60 characters).")
    embedding_model: str = Field(
        PACKAGED_EMBEDDING_MODEL,
        description="Sentence-transformers model: the packaged all-MiniLM-L6-v2, or a local model folder.",
    )
    embedding_batch_size: int = Field(32, ge=1, le=1024, description="Texts embedded per batch (torch backend).")
    embedding_backend: Literal["onnx-int8", "onnx", "torch", "fake"] = Field(
        "onnx-int8",
        description=(
            "How the embedding model runs: ONNX Runtime with int8 weights (exported and quantized once from the "
            "local weights into model_cache_dir, no download, no torch import when answering; 2.4x PyTorch's speed "
            "here, SciFact nDCG@10 within 0.005 of it), onnx (float32, the same vectors as PyTorch), torch, or fake "
            "(a hashed bag of words with no model: for tests and for trying the pipeline, not for real answers). "
            "The index records which one built it; changing it rebuilds the index."
        ),
    )
    embedding_threads: int | None = Field(
        None, ge=1, description="Texts the ONNX embedder runs at once, one CPU thread each (default: all cores)."
    )
    model_cache_dir: Path = Field(
        Path("~/.cache/assistant"), description="Folder where ONNX exports of the embedding model are cached."
    )
    embedding_cache_size: int = Field(
        20_000,
        ge=0,
        description="Vectors of questions and passage sentences kept in memory (about 2 KB each; 0 keeps none).",
    )
    chunk_size: int = Field(800, ge=50, le=20000, description="Maximum characters per chunk.")
    chunk_overlap: int = Field(120, ge=0, description="Characters shared by neighbouring chunks.")
    k: int = Field(4, ge=1, le=MAX_K, description="Passages retrieved per question.")
    max_question_chars: int = Field(2000, ge=1, description="Longest question accepted.")
    refusal_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description=(
            "Support (0-1) below which the extractive answerer refuses; by default the threshold fitted with the "
            "sentence scorer by `bench/answer_model.py` for the default embedder and hybrid retrieval (see README)."
        ),
    )
    max_answer_sentences: int = Field(2, ge=1, le=10, description="Sentences the extractive answer may quote.")
    generator: str = Field("extractive", description="Answer generator: extractive, llama-cpp, openai or ollama.")
    llm_model_path: Path | None = Field(
        None, description="GGUF file for the llama-cpp generator (default: the packaged SmolLM2)."
    )
    llm_base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible endpoint (.../v1).")
    llm_model: str | None = Field(None, description="Model name for the openai and ollama generators.")
    llm_api_key: str | None = Field(None, description="API key for the openai generator (else OPENAI_API_KEY).")
    ollama_url: str = Field("http://127.0.0.1:11434", description="URL of an Ollama server.")
    llm_temperature: float = Field(0.0, ge=0.0, le=2.0, description="Sampling temperature of generators.")
    llm_max_tokens: int = Field(256, ge=1, le=8192, description="Longest generated answer, in tokens.")
    llm_timeout: float = Field(60.0, gt=0, description="Seconds to wait for a generator's reply.")
    retrieval: Literal["dense", "bm25", "hybrid"] = Field(
        "hybrid",
        description=(
            "Retrieval mode: dense (embeddings), bm25 (words), or hybrid (both, fused). The BM25 index is saved "
            "beside a local index; with a Chroma server it is rebuilt in memory from the server's chunks."
        ),
    )
    hybrid_dense_weight: float = Field(
        0.5, ge=0.0, le=1.0, description="Share of the dense score in hybrid retrieval (the rest is BM25's)."
    )
    api_key: str | None = Field(None, description="When set, the HTTP API requires `Authorization: Bearer <key>`.")
    max_upload_mb: float = Field(20.0, gt=0, description="Largest document accepted by upload, in MB.")
    upload_dir: Path | None = Field(
        None, description="Where uploaded documents are kept (default: <index_dir>/uploads)."
    )
    host: str = Field("127.0.0.1", description="Address the web app and HTTP API bind to.")
    port: int = Field(7860, ge=0, le=65535, description="Port of the web app.")
    auth: str | None = Field(None, description="Optional web login as user:password.")
    data_dir: Path | None = Field(
        None,
        description=(
            "Folder of the conversation database (conversations.sqlite3) and the collection registry "
            "(collections.json) (default: index_dir)."
        ),
    )
    users_file: Path | None = Field(
        None,
        description=(
            "JSON file of user accounts with Argon2 password hashes and API key hashes, written by "
            "`assistant users`; when set it replaces `auth` (which stays the one-user login when it is not)."
        ),
    )
    default_collection: str = Field(
        "default",
        description=(
            "Collection an ingest or a question targets when it names none; the index that existed before "
            "collections opens as the collection 'default'."
        ),
    )

    @field_validator("collection")
    @classmethod
    def _collection_name_fits_chroma(cls, value: str) -> str:
        if not 3 <= len(value) <= 60 or not value.replace("-", "").replace("_", "").isalnum():
            raise ValueError(
                f"collection must be 3-60 letters, digits, '-' or '_'; got {value!r}. "
                "Set ASSISTANT_COLLECTION to a name like 'assistant'."
            )
        return value

    @model_validator(mode="after")
    def _overlap_smaller_than_chunk(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size ({self.chunk_size}). "
                "Lower ASSISTANT_CHUNK_OVERLAP or raise ASSISTANT_CHUNK_SIZE."
            )
        return self


def check_k(k: int | None) -> int | None:
    """`k` when it is a number of passages one question may retrieve (None: the configured default)."""
    if k is not None and not (isinstance(k, int) and 1 <= k <= MAX_K):
        raise InvalidOptionError(f"k (passages to retrieve) must be between 1 and {MAX_K}; got {k!r}.", "k")
    return k
