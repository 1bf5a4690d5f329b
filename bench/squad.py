"""SQuAD 2.0 dev articles 1-8 through the evaluation scorer, split by answerable and unanswerable.

    .venv/bin/python bench/squad.py [--limit N] [--threshold T] [--k K]

Indexes ../shared/data/squad2-dev-a/passages.jsonl (one document per paragraph, "title\\n\\ntext") in a
temporary index, asks every question with `Assistant.ask`, scores the answers with `assistant.evaluation.questions`,
prints a table and writes bench/results/squad.json.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SQUAD = ROOT.parent / "shared" / "data" / "squad2-dev-a"
sys.path.insert(0, str(ROOT))

from assistant.evaluation.questions import Question, evaluate, summarize  # noqa: E402
from assistant.evaluation.reports import summary_table  # noqa: E402


def file_name(passage_id: str) -> str:
    """The document file of a paragraph: `Normans#0` -> `Normans_0.txt`."""
    return re.sub(r"[^\w.-]", "_", passage_id) + ".txt"


def load_squad(folder: Path = SQUAD, limit: int | None = None) -> tuple[list[dict[str, Any]], list[Question]]:
    """The paragraphs, and the questions as a question set (sources: the paragraph's file)."""
    if not (folder / "passages.jsonl").is_file():
        sys.exit(f"error: SQuAD data not found at {folder} (see ../shared/data/README.md).")
    passages = [json.loads(line) for line in (folder / "passages.jsonl").open(encoding="utf-8")]
    questions = []
    for line in (folder / "qa.jsonl").open(encoding="utf-8"):
        record = json.loads(line)
        answerable = not record["is_impossible"]
        questions.append(
            Question(
                record["id"],
                record["question"].strip(),
                tuple(record["answers"]) if answerable else (),
                answerable,
                (file_name(record["passage_id"]),) if answerable else (),
            )
        )
    return passages, questions[:limit] if limit else questions


def build_index(passages: list[dict[str, Any]], folder: Path, **settings: Any):
    """Index one document per paragraph ("title\\n\\ntext", source `<id>.txt`) in `folder`, chunked as ingest does."""
    from assistant.assistant import Assistant
    from assistant.evaluation.beir import index_corpus

    assistant = Assistant.from_settings(index_dir=folder / "index", chroma_url=None, **settings)
    started = time.perf_counter()
    # Batched embedding (evaluation.index_corpus) rather than one ingest per file: same chunks, several times faster.
    chunks = index_corpus(assistant, {file_name(p["id"]): (p["title"], p["text"]) for p in passages})
    return assistant, {
        "documents": len(passages),
        "chunks": chunks,
        "ingest_seconds": round(time.perf_counter() - started, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions (default: all 2,805)")
    parser.add_argument("--threshold", type=float, default=None, help="refusal threshold (default: Settings)")
    parser.add_argument("--k", type=int, default=None, help="passages retrieved per question (default: Settings)")
    parser.add_argument("--data", type=Path, default=SQUAD, help="the squad2-dev-a folder")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "squad.json")
    args = parser.parse_args()
    passages, questions = load_squad(args.data, args.limit)
    overrides = {"refusal_threshold": args.threshold} if args.threshold is not None else {}
    with tempfile.TemporaryDirectory(prefix="squad-") as folder:
        assistant, indexing = build_index(passages, Path(folder), **overrides)
        rows = evaluate(assistant, questions, k=args.k)
        threshold, k = assistant.extractive.threshold, args.k or assistant.settings.k
        retrieval = assistant.settings.retrieval
    split = {
        "all": summarize(rows, k),
        "answerable": summarize([row for row in rows if row["answerable"]], k),
        "unanswerable": summarize([row for row in rows if not row["answerable"]], k),
    }
    result = {
        "data": "squad2-dev-a",
        "retrieval": retrieval,
        "refusal_threshold": threshold,
        "k": k,
        **indexing,
        "summary": split,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(
        f"SQuAD-dev-a: {len(rows)} questions, {indexing['documents']} paragraphs ({indexing['chunks']} chunks, "
        f"ingested in {indexing['ingest_seconds']}s), {retrieval} retrieval, refusal threshold {threshold}, k={k}\n"
    )
    print(summary_table(split))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
