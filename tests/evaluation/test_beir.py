"""BEIR retrieval benchmarks: loading a folder, ranking documents by their best chunk, scoring a run."""

from __future__ import annotations

import math

import pytest

from assistant.assistant import Assistant
from assistant.core.errors import EvaluationDataError
from assistant.core.types import Chunk, Hit
from assistant.evaluation.beir import evaluate_retrieval, load_beir, rank_documents, score_run, write_trec_run
from assistant.retrieval.store import ChromaStore
from tests.fixtures.paths import DATA, SHARED_DATA

BEIR_TINY = DATA / "beir-tiny"
SCIFACT = SHARED_DATA / "beir-scifact"


def _chunk(source: str, text: str) -> Chunk:
    return Chunk(f"{source}-{hash(text)}", text, source, 0, len(text), {})


def test_load_beir_keeps_judged_queries_and_skips_the_header():
    data = load_beir(BEIR_TINY)
    assert len(data.corpus) == 6 and data.corpus["d3"][0] == "Tides"
    assert list(data.queries) == ["1", "2", "3"]  # query 4 has no judgement
    assert data.qrels == {"1": {"d1": 1, "d5": 1}, "2": {"d3": 1}, "3": {"d6": 2}}
    assert list(load_beir(BEIR_TINY, limit=2).qrels) == ["1", "2"]
    with pytest.raises(EvaluationDataError, match="train.tsv"):
        load_beir(BEIR_TINY, "train")


def test_score_run_by_hand():
    run = {"1": [("d5", 0.9), ("d2", 0.8), ("d1", 0.7)], "2": [("d2", 0.5), ("d4", 0.4)]}  # "3" not run
    summary = score_run(run, load_beir(BEIR_TINY).qrels)
    ndcg_q1 = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert summary == {
        "queries": 3,
        "ndcg@10": round(ndcg_q1 / 3, 4),
        "recall@10": round(1 / 3, 4),
        "recall@100": round(1 / 3, 4),
        "mrr@10": round(1 / 3, 4),
    }


class FakeRetriever:
    """Returns the first k of a fixed ranking of chunks, and records the k asked for."""

    def __init__(self, ranking: list[tuple[str, float]]) -> None:
        self.ranking = ranking
        self.asked: list[int] = []

    def retrieve(self, query: str, k: int) -> list[Hit]:
        self.asked.append(k)
        return [Hit(_chunk(source, f"{rank}"), score, rank) for rank, (source, score) in enumerate(self.ranking[:k], 1)]


def test_documents_are_ranked_by_their_best_chunk_and_more_chunks_are_fetched_until_enough():
    retriever = FakeRetriever([("a", 0.9 - i / 100) for i in range(8)] + [("b", 0.5), ("a", 0.4), ("c", 0.3)])
    assert rank_documents(retriever, "q", depth=2) == [("a", 0.9), ("b", 0.5)]
    assert retriever.asked == [6, 12]
    assert rank_documents(retriever, "q", depth=5) == [("a", 0.9), ("b", 0.5), ("c", 0.3)]  # all there is


def test_evaluate_retrieval_indexes_once_and_writes_a_trec_run(settings, fake_embedder, tmp_path):
    assistant = Assistant(settings, ChromaStore(settings), fake_embedder)
    data = load_beir(BEIR_TINY)
    summary, run = evaluate_retrieval(assistant, data, progress=False)
    assert summary["documents"] == 6 and summary["chunks"] == summary["chunks_embedded"] == 6
    assert summary["queries"] == 3 and summary["recall@100"] == 1.0 and summary["ndcg@10"] > 0.5
    assert set(run) == {"1", "2", "3"} and all(len(ranked) == 6 for ranked in run.values())
    again, _ = evaluate_retrieval(assistant, data, progress=False)
    assert again["chunks_embedded"] == 0 and again["ndcg@10"] == summary["ndcg@10"]
    data.corpus.pop("d2")  # a reused index holds exactly the corpus
    assert evaluate_retrieval(assistant, data, progress=False)[0]["chunks"] == 5
    write_trec_run(run, tmp_path / "run.trec")
    lines = (tmp_path / "run.trec").read_text().splitlines()
    assert len(lines) == 18
    qid, q0, docid, rank, score, tag = lines[0].split()
    assert (qid, q0, rank, tag) == ("1", "Q0", "1", "assistant") and docid in data.corpus and float(score) > 0


@pytest.mark.data
@pytest.mark.skipif(not SCIFACT.is_dir(), reason=f"BEIR SciFact not found at {SCIFACT} (../shared/data)")
def test_scifact_loads_as_published():
    data = load_beir(SCIFACT)
    assert (len(data.corpus), len(data.queries)) == (5183, 300)
    assert sum(len(judged) for judged in data.qrels.values()) == 339
