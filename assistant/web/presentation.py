"""Answers, citations and conversations formatted for people: inert HTML for the chat, Markdown for export."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from assistant.core.types import Answer, Citation, DocumentRecord, Hit, SentenceSupport

# Characters that mean something to HTML or to the chat's Markdown renderer (links, images, emphasis, code,
# tables, LaTeX, autolinks). They are written as numeric character references, which renderers show as the
# character but never read as syntax, so document and model text can neither run nor load anything.
_INERT = {char: f"&#{ord(char)};" for char in "&<>\"'`*_[]()!#~|{}$:\\=+-"}
_INERT_PATTERN = re.compile("|".join(re.escape(char) for char in _INERT))
_MARKER = re.compile(r"\[(\d+)\]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>!|~&#$])")
# Characters of a passage shown on either side of the quoted words.
CONTEXT_CHARS = 360
PREVIEW_CHARS = 420


@dataclass(frozen=True)
class Turn:
    """One question and its answer, as the conversation and the export remember them."""

    question: str
    answer: Answer


def inert(text: str) -> str:
    """`text` as HTML that displays exactly these characters; line breaks become `<br>`."""
    escaped = _INERT_PATTERN.sub(lambda match: _INERT[match.group(0)], text)
    return escaped.replace("\r\n", "\n").replace("\n", "<br>")


def answer_html(answer: Answer) -> str:
    """The answer bubble: the text, with `[n]` markers as superscripts; a refusal is marked as one."""
    if answer.refused:
        return (
            '<div class="refusal"><div class="refusal-title">&#9888; No answer in your documents</div>'
            f"<div>{inert(answer.text)}</div></div>"
        )
    if answer.fallback == "quotes":
        return (
            f'<div class="answer">{text_with_markers(answer.text)}</div>'
            '<div class="support-summary partial">The generated answer could not be checked against the documents; '
            "these are the exact quotes instead.</div>"
        )
    if not answer.sentences:
        return f'<div class="answer">{text_with_markers(answer.text)}</div>'
    return (
        f'<div class="answer">{flagged_text(answer.text, answer.sentences)}</div>'
        f"{support_summary_html(answer.sentences)}{removed_html(answer.sentences)}"
    )


def unsupported_spans(text: str, sentences: Sequence[SentenceSupport]) -> list[tuple[int, int]]:
    """(start, end) of the unsupported sentences inside `text`, in order; bad or overlapping offsets skipped."""
    spans: list[tuple[int, int]] = []
    candidates = [(s.start, s.end) for s in sentences if s.status == "unsupported"]
    for start, end in sorted((start, end) for start, end in candidates if start is not None and end is not None):
        if 0 <= start < end <= len(text) and (not spans or start >= spans[-1][1]):
            spans.append((start, end))
    return spans


def flagged_text(text: str, sentences: Sequence[SentenceSupport]) -> str:
    """Inert `text` with markers as superscripts and each unsupported sentence flagged where it stands."""
    parts, position = [], 0
    for start, end in unsupported_spans(text, sentences):
        parts.append(text_with_markers(text[position:start]))
        parts.append(
            '<span class="unsupported" title="Not supported by the cited passages">'
            f'{text_with_markers(text[start:end])}<sup class="unsupported-mark">unsupported</sup></span>'
        )
        position = end
    parts.append(text_with_markers(text[position:]))
    return "".join(parts)


def support_counts(sentences: Sequence[SentenceSupport]) -> tuple[int, int]:
    """(supported, shown): how many of the sentences kept in the answer their citations support."""
    shown = [sentence for sentence in sentences if sentence.status != "removed"]
    return sum(sentence.supported for sentence in shown), len(shown)


def support_summary(sentences: Sequence[SentenceSupport]) -> str:
    """ "3 of 4 sentences supported by their citations", or "" when no sentence is shown."""
    supported, shown = support_counts(sentences)
    if not shown:
        return ""
    whose = "its" if shown == 1 else "their"
    return f"{supported} of {shown} sentence{'s' * (shown != 1)} supported by {whose} citations"


def support_summary_html(sentences: Sequence[SentenceSupport]) -> str:
    """The supported share under the answer (flagged when some sentence is unsupported)."""
    summary = support_summary(sentences)
    if not summary:
        return ""
    supported, shown = support_counts(sentences)
    kind = "support-summary" if supported == shown else "support-summary partial"
    return f'<div class="{kind}">{inert(summary)}</div>'


def removed_html(sentences: Sequence[SentenceSupport]) -> str:
    """The sentences dropped from the answer, with their reasons, in a collapsed note."""
    removed = [sentence for sentence in sentences if sentence.status == "removed"]
    if not removed:
        return ""
    items = "".join(
        f"<li>Removed: {inert(sentence.text)}{f' ({inert(sentence.reason)})' if sentence.reason else ''}</li>"
        for sentence in removed
    )
    count = len(removed)
    return (
        f'<details class="removed"><summary>{count} sentence{"s" * (count != 1)} removed from the answer'
        f"</summary><ul>{items}</ul></details>"
    )


def text_with_markers(text: str) -> str:
    """Inert `text` whose `[n]` citation markers are shown as superscript references."""
    parts, position = [], 0
    for match in _MARKER.finditer(text):
        parts.append(inert(text[position : match.start()]))
        parts.append(f'<sup class="cite-ref">[{match.group(1)}]</sup>')
        position = match.end()
    parts.append(inert(text[position:]))
    return "".join(parts)


def sources_title(answer: Answer) -> str:
    """Title of the collapsible panel under an answer."""
    if answer.refused:
        count = len(answer.passages)
        return f"Closest passages ({count})" if count else "No passages found"
    count = len(answer.citations)
    title = f"Sources ({count})" if count != 1 else "Source (1)"
    supported, shown = support_counts(answer.sentences or [])
    return f"{title} · {supported} of {shown} sentence{'s' * (shown != 1)} supported" if shown else title


def sources_html(answer: Answer) -> str:
    """Each citation with its document, page and score, the quote highlighted inside its passage.

    For a refusal, the closest passages instead, for the reader to judge. One line: no blank line may end
    the HTML block, or the Markdown renderer would start reading the text again.
    """
    if answer.refused:
        items = [passage_html(hit) for hit in answer.passages]
        body = "".join(items) or '<div class="source">The index returned no passages.</div>'
    else:
        body = "".join(citation_html(citation, answer.passages) for citation in answer.citations)
    return f'<div class="sources">{body}</div>'


def citation_html(citation: Citation, passages: Sequence[Hit]) -> str:
    """One citation: a header line and the surrounding passage with the quoted words in `<mark>`."""
    hit = find_hit(citation.chunk_id, passages)
    score = hit.score if hit is not None else None
    header = _header(f"[{citation.n}]", citation.source, citation.where(), score)
    if hit is None:
        return (
            f'<div class="source">{header}<blockquote class="passage"><mark>{inert(citation.quote)}</mark>'
            "</blockquote></div>"
        )
    before, quote, after = split_passage(hit.chunk.text, quote_offset(citation, hit), citation.quote)
    passage = f"{inert(before)}<mark>{inert(quote)}</mark>{inert(after)}"
    return f'<div class="source">{header}<blockquote class="passage">{passage}</blockquote></div>'


def passage_html(hit: Hit) -> str:
    """A retrieved passage (for a refusal): its header and the start of its text."""
    text = hit.chunk.text.strip()
    shown = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + " …"
    page = hit.chunk.metadata.get("page")
    header = _header(f"#{hit.rank}", hit.chunk.source, f"page {int(page)}" if page is not None else "", hit.score)
    return f'<div class="source">{header}<blockquote class="passage">{inert(shown)}</blockquote></div>'


def _header(label: str, source: str, where: str, score: float | None) -> str:
    """The line above a passage: its number, document, location ("page 3", "sheet Sales, row 4") and score."""
    parts = [f'<span class="cite-n">{inert(label)}</span> <span class="doc">{inert(source)}</span>']
    if where:
        parts.append(f'<span class="page">{inert(where)}</span>')
    if score is not None:
        parts.append(f'<span class="score" title="retrieval score (cosine similarity)">score {score:.3f}</span>')
    return f'<div class="source-head">{" · ".join(parts)}</div>'


def find_hit(chunk_id: str, passages: Sequence[Hit]) -> Hit | None:
    """The retrieved passage with this chunk id, if the answer carries it."""
    return next((hit for hit in passages if hit.chunk.id == chunk_id), None)


def quote_offset(citation: Citation, hit: Hit) -> int | None:
    """Where the quote starts inside the chunk text: from the offsets, else by search, else None."""
    text, quote = hit.chunk.text, citation.quote
    offset = citation.start - hit.chunk.start
    if offset >= 0 and text[offset : offset + len(quote)] == quote:
        return offset
    found = text.find(quote)
    return found if found >= 0 else None


def split_passage(text: str, offset: int | None, quote: str, context: int = CONTEXT_CHARS) -> tuple[str, str, str]:
    """(before, quote, after) with at most `context` characters either side, cut at word boundaries."""
    if offset is None:
        return "", quote, ""
    before, after = text[:offset], text[offset + len(quote) :]
    if len(before) > context:
        cut = before[-context:]
        before = "… " + (cut.split(" ", 1)[1] if " " in cut else cut)
    if len(after) > context:
        cut = after[:context]
        after = (cut.rsplit(" ", 1)[0] if " " in cut else cut) + " …"
    return before, text[offset : offset + len(quote)], after


def documents_html(documents: Sequence[DocumentRecord]) -> str:
    """The indexed documents as a table of names and passage counts."""
    if not documents:
        return '<p class="no-documents">No documents yet: add some below.</p>'
    rows = "".join(
        f'<tr><td class="doc-name">{inert(document.source)}</td><td class="doc-chunks">{document.chunks}</td></tr>'
        for document in documents
    )
    total = sum(document.chunks for document in documents)
    return (
        '<table class="documents"><thead><tr><th>Document</th><th>Passages</th></tr></thead>'
        f"<tbody>{rows}</tbody><tfoot><tr><td>{len(documents)} document{'s' * (len(documents) != 1)}</td>"
        f"<td>{total}</td></tr></tfoot></table>"
    )


def markdown_text(text: str) -> str:
    """`text` on one line with Markdown and HTML syntax backslash-escaped, for the exported file."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", " ".join(text.split()))


def conversation_markdown(turns: Sequence[Turn], now: datetime | None = None) -> str:
    """The conversation with every answer's citations (or a refusal's closest passages) as Markdown."""
    stamp = (now or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    lines = ["# Conversation with the document assistant", "", f"Exported {stamp}.", ""]
    for number, turn in enumerate(turns, start=1):
        answer = turn.answer
        lines += [f"## {number}. {markdown_text(turn.question)}", ""]
        if answer.refused:
            lines += [f"**No answer in the documents.** {markdown_text(answer.text)}", ""]
            if answer.passages:
                lines += ["Closest passages:", ""]
                for hit in answer.passages:
                    text = hit.chunk.text
                    preview = text if len(text) <= PREVIEW_CHARS else text[:PREVIEW_CHARS].rstrip() + " …"
                    lines.append(
                        f"- {_where(hit.chunk.source, hit.chunk.metadata.get('page'), hit.score)}: "
                        f"{markdown_text(preview)}"
                    )
                lines.append("")
            continue
        lines += [markdown_text(answer.text), ""]
        lines += _support_markdown(answer.sentences or [])
        if answer.citations:
            lines += ["Sources:", ""]
            for citation in answer.citations:
                hit = find_hit(citation.chunk_id, answer.passages)
                where = _where(citation.source, citation.page, hit.score if hit else None)
                lines.append(
                    f"{citation.n}. {where}, characters {citation.start}-{citation.end}: "
                    f"“{markdown_text(citation.quote)}”"
                )
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def _support_markdown(sentences: Sequence[SentenceSupport]) -> list[str]:
    """The supported share, the unsupported sentences and the removed ones, as Markdown lines."""
    summary = support_summary(sentences)
    lines = [f"*{summary}.*", ""] if summary else []
    for status, label in (("unsupported", "Not supported by the cited passages"), ("removed", "Removed")):
        chosen = [sentence for sentence in sentences if sentence.status == status]
        if chosen:
            lines += [f"{label}:", ""]
            for sentence in chosen:
                reason = f" ({markdown_text(sentence.reason)})" if status == "removed" and sentence.reason else ""
                lines.append(f"- {markdown_text(sentence.text)}{reason}")
            lines.append("")
    return lines


def _where(source: str, page: int | None, score: float | None) -> str:
    name = source.replace("`", "'")
    where = f"`{name}`"
    if page is not None:
        where += f", page {int(page)}"
    if score is not None:
        where += f", retrieval score {score:.3f}"
    return where
