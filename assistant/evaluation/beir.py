"""Retrieval benchmarks in the BEIR format: load a corpus, index it, rank documents, score the run."""

from __future__ import annotations

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.errors import EvaluationDataError
from assistant.evaluation.metrics import mrr_at_k, ndcg_at_k, percentile, recall_at_k
from assistant.evaluation.questions import progress_bar

RANKING_DEPTH = 100  # documents ranked per BEIR query: enough for recall@100


@dataclass
class BeirData:
    """A BEIR split: `corpus[docid] = (title, text)`, the queries judged in `qrels[qid][docid] = relevance`."""

    corpus: dict[str, tuple[str, str]]
    queries: dict[str, str]
    qrels: dict[str, dict[str, int]]


def load_beir(folder: Path | str, split: str = "test", limit: int | None = None) -> BeirData:
    """Read `corpus.jsonl`, `queries.jsonl` and `qrels/<split>.tsv`; keep the queries that have judgements."""
    folder = Path(folder)
    paths = [folder / "corpus.jsonl", folder / "queries.jsonl", folder / "qrels" / f"{split}.tsv"]
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise EvaluationDataError(f"{folder} is not a BEIR folder with split {split!r}: missing {', '.join(missing)}.")
    corpus = {}
    for record in _jsonl(paths[0]):
        corpus[str(record["_id"])] = (record.get("title") or "", record.get("text") or "")
    qrels: dict[str, dict[str, int]] = {}
    for number, line in enumerate(paths[2].read_text(encoding="utf-8").splitlines()):
        fields = line.split("\t")
        if len(fields) != 3 or (number == 0 and not fields[2].strip().lstrip("-").isdigit()):
            continue  # the header line
        qrels.setdefault(fields[0], {})[fields[1]] = int(fields[2])
    queries = {str(r["_id"]): r["text"] for r in _jsonl(paths[1]) if str(r["_id"]) in qrels}
    chosen = sorted(queries, key=_natural)[:limit] if limit else sorted(queries, key=_natural)
    return BeirData(corpus, {qid: queries[qid] for qid in chosen}, {qid: qrels[qid] for qid in chosen})


def _jsonl(path: Path) -> Iterable[dict[str, Any]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def _natural(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (1 << 62, value)


def index_corpus(assistant: Any, corpus: dict[str, tuple[str, str]], progress: bool | None = None) -> int:
    """Ingest each document as "title\\n\\ntext" (source = its doc id), so the index holds exactly this corpus.

    Returns the number of chunks embedded: a reused index embeds only what changed.
    """
    texts = ((f"beir/{docid}", docid, f"{title}\n\n{text}".strip() or docid) for docid, (title, text) in corpus.items())
    return assistant.ingest_texts(texts, progress=progress).chunks_embedded


def rank_documents(
    retriever: Any, query: str, depth: int = RANKING_DEPTH, total: int | None = None
) -> list[tuple[str, float]]:
    """Doc ids (chunk sources) ranked by their best chunk's score; retrieves more chunks until `depth` are found."""
    k = depth * 3
    while True:
        hits = retriever.retrieve(query, k)
        best: dict[str, float] = {}
        for hit in hits:
            best.setdefault(hit.chunk.source, hit.score)  # hits come best first
        if len(best) >= depth or len(hits) < k or (total is not None and k >= total):
            return sorted(best.items(), key=lambda item: -item[1])[:depth]
        k *= 2


def evaluate_retrieval(
    assistant: Any, data: BeirData, depth: int = RANKING_DEPTH, progress: bool | None = None
) -> tuple[dict[str, Any], dict[str, list[tuple[str, float]]]]:
    """Index the corpus into the assistant's store, rank documents for every query; return (summary, run)."""
    started = time.perf_counter()
    embedded = index_corpus(assistant, data.corpus, progress)
    indexing = time.perf_counter() - started
    total = assistant.store.count()
    run: dict[str, list[tuple[str, float]]] = {}
    latencies = []
    for qid in progress_bar(list(data.queries), progress, "queries", "query"):
        started = time.perf_counter()
        run[qid] = rank_documents(assistant.retriever, data.queries[qid], depth, total)
        latencies.append(time.perf_counter() - started)
    summary = score_run(run, data.qrels)
    summary.update(
        documents=len(data.corpus),
        chunks=total,
        chunks_embedded=embedded,
        indexing_seconds=round(indexing, 2),
        latency_p50=round(percentile(latencies, 50), 4),
        latency_p95=round(percentile(latencies, 95), 4),
    )
    return summary, run


def score_run(run: dict[str, list[tuple[str, float]]], qrels: dict[str, dict[str, int]]) -> dict[str, Any]:
    """nDCG@10, recall@10, recall@100 and MRR@10 averaged over the judged queries (a missing query scores 0)."""
    figures = {"ndcg@10": [], "recall@10": [], "recall@100": [], "mrr@10": []}
    for qid, judged in qrels.items():
        ranked = [docid for docid, _ in run.get(qid, [])] or [""]
        figures["ndcg@10"].append(ndcg_at_k(ranked, judged, 10))
        figures["recall@10"].append(recall_at_k(ranked, judged, 10))
        figures["recall@100"].append(recall_at_k(ranked, judged, 100))
        figures["mrr@10"].append(mrr_at_k(ranked, judged, 10))
    summary: dict[str, Any] = {"queries": len(qrels)}
    summary.update({name: round(sum(values) / len(values), 4) if values else 0.0 for name, values in figures.items()})
    return summary


def write_trec_run(run: dict[str, list[tuple[str, float]]], path: Path | str, tag: str = "assistant") -> None:
    """Write the ranking as a TREC run file: `qid Q0 docid rank score tag`."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as out:
        for qid, ranked in run.items():
            for rank, (docid, score) in enumerate(ranked, start=1):
                out.write(f"{qid} Q0 {docid} {rank} {score:.6f} {tag}\n")
