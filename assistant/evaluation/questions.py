"""Question sets: load them, ask every question, score each answer and summarize the run."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assistant.core.errors import AssistantError, EvaluationDataError
from assistant.core.text import strip_markers
from assistant.evaluation.metrics import (
    contains_answer,
    exact_match,
    hit_at_k,
    percentile,
    reciprocal_rank,
    refusal_precision_recall,
    token_f1,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Question:
    """One line of a question set (DESIGN.md): `answers` empty and `answerable` false when unanswerable."""

    id: str
    question: str
    answers: tuple[str, ...]
    answerable: bool
    sources: tuple[str, ...] = ()


# -- question sets ------------------------------------------------------------------------------
def load_questions(path: Path | str) -> tuple[list[Question], list[str]]:
    """The valid questions of a JSONL file, and a message per malformed line (which is skipped)."""
    path = Path(path)
    if not path.is_file():
        raise EvaluationDataError(f"No question set at {path}. Give a JSONL file like tests/data/seed_questions.jsonl.")
    questions, problems, seen = [], [], set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            question = _parse_question(json.loads(line))
            if question.id in seen:
                raise ValueError(f"duplicate id {question.id!r}")
        except (ValueError, TypeError) as error:
            problems.append(f"{path}:{number}: skipped: {error}")
            logger.warning("%s", problems[-1])
            continue
        seen.add(question.id)
        questions.append(question)
    if not questions:
        raise EvaluationDataError(
            f"The question set {path} holds no valid questions ({len(problems)} malformed lines). "
            'Each line must be {"id", "question", "answers", "answerable"}.'
        )
    return questions, problems


def _parse_question(record: Any) -> Question:
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    missing = [key for key in ("id", "question", "answers", "answerable") if key not in record]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    answers, sources = record["answers"], record.get("sources") or []
    if not isinstance(record["question"], str) or not record["question"].strip():
        raise ValueError("question must be a non-empty string")
    if not isinstance(record["answerable"], bool):
        raise ValueError(f"answerable must be true or false, got {record['answerable']!r}")
    for name, values in (("answers", answers), ("sources", sources)):
        if not isinstance(values, list) or not all(isinstance(value, str) for value in values):
            raise ValueError(f"{name} must be a list of strings")
    if record["answerable"] and not answers:
        raise ValueError("an answerable question needs at least one reference answer")
    if not record["answerable"] and answers:
        raise ValueError("an unanswerable question must have no answers")
    return Question(str(record["id"]), record["question"].strip(), tuple(answers), record["answerable"], tuple(sources))


# -- scoring one answer ---------------------------------------------------------------------------
def _from_source(source: str, sources: Sequence[str]) -> bool:
    return any(source == name or Path(source).name == name for name in sources)


def is_evidence(text: str, source: str, question: Question) -> bool:
    """True when `text` holds a reference answer (from a listed source, when the question lists any)."""
    if not question.answers:
        return bool(question.sources) and question.answerable and _from_source(source, question.sources)
    return contains_answer(text, question.answers) and (not question.sources or _from_source(source, question.sources))


def score_answer(question: Question, answer: Any, seconds: float) -> dict[str, Any]:
    """One results row: the answer given and its scores (answer, refusal, citations, retrieval)."""
    prediction = "" if answer.refused else strip_markers(answer.text).strip()
    citations = answer.citations
    cited_evidence = [is_evidence(c.quote, c.source, question) for c in citations]
    ranks = [hit.rank for hit in answer.passages if is_evidence(hit.chunk.text, hit.chunk.source, question)]
    first = min(ranks) if ranks else None
    contains = contains_answer(prediction, question.answers)
    row: dict[str, Any] = {
        "id": question.id,
        "question": question.question,
        "answer": answer.text,
        "refused": answer.refused,
        "citations": [citation.to_dict() for citation in citations],
        "answerable": question.answerable,
        "expected": list(question.answers),
        "latency": round(seconds, 4),
        "exact_match": exact_match(prediction, question.answers) if question.answerable else None,
        "f1": round(token_f1(prediction, question.answers), 4) if question.answerable else None,
        "contains_answer": contains if question.answerable else None,
        "refusal_correct": answer.refused == (not question.answerable),
        "citations_correct": sum(cited_evidence),
        "citations_from_source": sum(_from_source(c.source, question.sources) for c in citations),
        "supported": any(cited_evidence) if question.answerable and not answer.refused else None,
        "first_relevant_rank": first if question.answerable else None,
        "passages": len(answer.passages),
    }
    row["passed"] = (not answer.refused and contains) if question.answerable else answer.refused
    return row


def failed_row(question: Question, error: Exception, seconds: float) -> dict[str, Any]:
    """The results row of a question the assistant raised an error on (it counts as failed)."""
    row = {key: None for key in ("exact_match", "f1", "contains_answer", "supported", "first_relevant_rank")}
    row.update(
        id=question.id,
        question=question.question,
        answer=f"error: {error}",
        refused=False,
        citations=[],
        answerable=question.answerable,
        expected=list(question.answers),
        latency=round(seconds, 4),
        refusal_correct=False,
        citations_correct=0,
        citations_from_source=0,
        passages=0,
        passed=False,
    )
    if question.answerable:
        row.update(exact_match=0.0, f1=0.0, contains_answer=False)
    return row


# -- a run over a question set ---------------------------------------------------------------------
def evaluate(
    assistant: Any, questions: Sequence[Question], k: int | None = None, progress: bool | None = None
) -> list[dict[str, Any]]:
    """Ask every question with the real `Assistant.ask` and score the answers: one row per question."""
    assistant.ensure_index()
    rows = []
    for question in progress_bar(questions, progress, "eval", "question"):
        started = time.perf_counter()
        try:
            answer = assistant.ask(question.question, k=k)
        except AssistantError as error:
            logger.warning("question %s failed: %s", question.id, error)
            rows.append(failed_row(question, error, time.perf_counter() - started))
            continue
        rows.append(score_answer(question, answer, time.perf_counter() - started))
    return rows


def summarize(rows: Sequence[dict[str, Any]], k: int | None = None) -> dict[str, Any]:
    """The summary object of a run (`eval --json`); a figure without questions to measure it on is None."""
    answerable = [row for row in rows if row["answerable"]]
    answered = [row for row in answerable if not row["refused"]]
    refusal_p, refusal_r = refusal_precision_recall([r["refused"] for r in rows], [r["answerable"] for r in rows])
    refusals, unanswerable = sum(row["refused"] for row in rows), len(rows) - len(answerable)
    cited = sum(len(row["citations"]) for row in rows)
    depth = k or max((row["passages"] for row in rows), default=0) or 1
    ranks = [row["first_relevant_rank"] for row in answerable]
    latencies = [row["latency"] for row in rows]
    summary = {
        "questions": len(rows),
        "answerable": len(answerable),
        "unanswerable": unanswerable,
        "accuracy": _mean(row["passed"] for row in rows),
        "exact_match": _mean(row["exact_match"] for row in answerable),
        "f1": _mean(row["f1"] for row in answerable),
        "contains_answer": _mean(row["contains_answer"] for row in answerable),
        "answered_correct": _mean(row["contains_answer"] for row in answered),
        "refusal_precision": refusal_p if refusals else None,
        "refusal_recall": refusal_r if unanswerable else None,
        "false_refusals": _mean(row["refused"] for row in answerable),
        "citation_precision": sum(row["citations_correct"] for row in rows) / cited if cited else None,
        "citation_source_precision": sum(row["citations_from_source"] for row in rows) / cited if cited else None,
        "supported_answers": _mean(row["supported"] for row in answered),
        "k": depth,
        "hit@1": _mean(hit_at_k([rank], 1) for rank in ranks),
        "hit@k": _mean(hit_at_k([rank], depth) for rank in ranks),
        "mrr@k": _mean(reciprocal_rank(rank if rank and rank <= depth else None) for rank in ranks),
        "latency_p50": percentile(latencies, 50) if latencies else None,
        "latency_p95": percentile(latencies, 95) if latencies else None,
        "latency_mean": _mean(latencies),
    }
    return {key: round(value, 4) if isinstance(value, float) else value for key, value in summary.items()}


def _mean(values: Iterable[Any]) -> float | None:
    values = [float(value) for value in values if value is not None]
    return sum(values) / len(values) if values else None


def progress_bar(items: Sequence[Any], enabled: bool | None, desc: str, unit: str) -> Iterable[Any]:
    if enabled is False:
        return items
    from tqdm import tqdm

    return tqdm(items, desc=desc, unit=unit, disable=None if enabled is None else not enabled)
