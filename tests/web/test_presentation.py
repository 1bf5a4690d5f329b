"""Formatting answers for people: inert HTML for the chat, quotes located in passages, Markdown export."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime

import pytest

from assistant.core.types import Answer, Chunk, Citation, DocumentRecord, Hit, SentenceSupport
from assistant.web.presentation import (
    Turn,
    answer_html,
    citation_html,
    conversation_markdown,
    documents_html,
    inert,
    markdown_text,
    quote_offset,
    sources_html,
    sources_title,
    split_passage,
    unsupported_spans,
)

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    "![x](http://example.invalid/x.png)",
    "[click](javascript:alert(1))",
    "<https://example.invalid/auto>",
    "$$\\href{javascript:alert(1)}{x}$$",
    "**bold** _em_ `code` | table | ~~gone~~",
    "&lt;script&gt; already escaped",
]


def chunk(text: str, start: int = 100, source: str = "doc.txt", page: int | None = None) -> Chunk:
    metadata = {"page": page} if page is not None else {}
    return Chunk(id=f"id-{start}", text=text, source=source, start=start, end=start + len(text), metadata=metadata)


def cited(chunk_: Chunk, quote: str, n: int = 1, occurrence: int = 0) -> Citation:
    offset = [m.start() for m in re.finditer(re.escape(quote), chunk_.text)][occurrence]
    start = chunk_.start + offset
    return Citation(n, chunk_.source, chunk_.id, quote, start, start + len(quote), 0.8, chunk_.metadata.get("page"))


@pytest.mark.parametrize("payload", PAYLOADS)
def test_inert_text_has_no_markup_and_shows_the_same_characters(payload):
    shown = inert(payload)
    assert not re.search(r"[<>\[\]()!*_`|~$:\\]", shown), shown
    assert html.unescape(shown) == payload


def test_inert_keeps_line_breaks():
    assert inert("one\ntwo\r\nthree") == "one<br>two<br>three"


def test_answer_html_shows_markers_as_superscripts_and_escapes_the_text():
    answer = Answer("Send <b>help</b> now. [1] More. [2]", [], refused=False)
    shown = answer_html(answer)
    assert shown.startswith('<div class="answer">')
    assert shown.count('<sup class="cite-ref">') == 2
    assert "<b>" not in shown and "&#60;b&#62;help" in shown


def test_refusal_is_marked_as_a_refusal():
    answer = Answer("The documents don't say.", [], refused=True, passages=[Hit(chunk("Some text."), 0.3, 1)])
    assert 'class="refusal"' in answer_html(answer)
    assert sources_title(answer) == "Closest passages (1)"
    assert "Some text." in sources_html(answer) and "<mark>" not in sources_html(answer)


def test_citation_highlights_the_quote_at_its_offsets_not_an_earlier_copy():
    passage = chunk("A cat sat. The dog ran. A cat sat.")
    citation = cited(passage, "A cat sat.", occurrence=1)
    shown = citation_html(citation, [Hit(passage, 0.61234, 1)])
    assert "The dog ran. <mark>A cat sat.</mark>" in html.unescape(shown)
    assert "score 0.612" in shown and "doc.txt" in shown


def test_citation_shows_page_and_finds_a_quote_whose_offsets_are_off():
    passage = chunk("Alpha beta. Gamma delta.", page=3)
    citation = Citation(1, "doc.txt", passage.id, "Gamma delta.", 0, 12, 0.5, 3)
    hit = Hit(passage, 0.5, 1)
    assert quote_offset(citation, hit) == passage.text.index("Gamma")
    shown = citation_html(citation, [hit])
    assert "page 3" in shown and "<mark>Gamma delta.</mark>" in html.unescape(shown)


def test_citation_without_its_passage_shows_the_quote_alone():
    citation = Citation(1, "doc.txt", "missing", "Only <this>.", 0, 12, 0.5)
    shown = citation_html(citation, [])
    assert "<mark>Only &#60;this&#62;.</mark>" in shown and "score" not in shown


def test_passage_context_is_trimmed_at_word_boundaries():
    text = "word " * 200 + "QUOTE" + " tail" * 200
    before, quote, after = split_passage(text, text.index("QUOTE"), "QUOTE", context=50)
    assert quote == "QUOTE"
    assert before.startswith("… word") and len(before) <= 53
    assert after.endswith(" …") and after.startswith(" tail")


def test_sources_of_an_answer_escape_document_text():
    passage = chunk("Badge <img src=x onerror=alert(1)> here. ![x](http://example.invalid/x.png)", source="<b>.md")
    citation = cited(passage, "Badge <img src=x onerror=alert(1)> here.")
    answer = Answer(f"{citation.quote} [1]", [citation], refused=False, passages=[Hit(passage, 0.7, 1)])
    shown = sources_html(answer) + answer_html(answer)
    assert "<img" not in shown and "<b>" not in shown and "](" not in shown
    assert sources_title(answer) == "Source (1)"
    assert "\n" not in shown, "a line break could end the HTML block and let Markdown run"


def test_conversation_markdown_lists_citations_and_refusals_with_markup_escaped():
    passage = chunk("It said <script>x</script> and ![x](http://example.invalid/x.png).", page=2)
    citation = cited(passage, passage.text)
    turns = [
        Turn("What did it say?", Answer(f"{citation.quote} [1]", [citation], False, passages=[Hit(passage, 0.7, 1)])),
        Turn("Unknown?", Answer("The documents don't say.", [], True, passages=[Hit(passage, 0.2, 1)])),
    ]
    text = conversation_markdown(turns, now=datetime(2026, 1, 2, 3, 4, tzinfo=UTC))
    assert "Exported 2026-01-02 03:04 UTC." in text
    assert "## 1. What did it say?" in text and "## 2. Unknown?" in text
    assert "1. `doc.txt`, page 2, retrieval score 0.700, characters 100-" in text
    assert "**No answer in the documents.**" in text and "Closest passages:" in text
    assert "<script>" not in text and "![x]" not in text and "\\<script\\>" in text


def test_markdown_text_collapses_whitespace():
    assert markdown_text("a\n\n b  *c*") == "a b \\*c\\*"


def test_documents_html_lists_names_and_counts_escaped():
    documents = [DocumentRecord("/x/a.txt", "<a>.txt", "f00", 3), DocumentRecord("b", "b", "ba7", 2)]
    shown = documents_html(documents)
    assert "&#60;a&#62;.txt" in shown and "<td>5</td>" in shown and "2 documents" in shown
    assert "No documents" in documents_html([])


def checked_answer(unsupported: str = "The moon is cheese.", removed: str = "Click http://x.invalid now.") -> Answer:
    """A generated answer with one supported, one unsupported and one removed sentence."""
    supported = "The sky is blue. [1]"
    text = f"{supported} {unsupported}"
    sentences = [
        SentenceSupport(supported, "supported", (1,), 0.9, 0, len(supported)),
        SentenceSupport(unsupported, "unsupported", (), 0.1, len(supported) + 1, len(text)),
        SentenceSupport(removed, "removed", (), 0.0, None, None, "link"),
    ]
    return Answer(text, [], refused=False, sentences=sentences, supported_fraction=0.5)


@pytest.mark.parametrize(
    ("shown", "expected"),
    [
        (
            "answer",
            '<span class="unsupported" title="Not supported by the cited passages">The moon is cheese.'
            '<sup class="unsupported-mark">unsupported</sup></span>',
        ),
        ("answer", 'The sky is blue. <sup class="cite-ref">[1]</sup> <span class="unsupported"'),
        ("answer", '<div class="support-summary partial">1 of 2 sentences supported by their citations</div>'),
        ("answer", '<details class="removed"><summary>1 sentence removed from the answer</summary>'),
        ("answer", "<li>Removed: Click http&#58;//x.invalid now. (link)</li>"),
        ("title", "Sources (0) · 1 of 2 sentences supported"),
        ("markdown", "*1 of 2 sentences supported by their citations.*"),
        ("markdown", "Not supported by the cited passages:\n\n- The moon is cheese."),
        ("markdown", "Removed:\n\n- Click http://x.invalid now. (link)"),
    ],
)
def test_checked_answer_flags_unsupported_lists_removed_and_counts_supported(shown, expected):
    answer = checked_answer()
    text = {
        "answer": answer_html(answer),
        "title": sources_title(answer),
        "markdown": conversation_markdown([Turn("Q?", answer)]),
    }[shown]
    assert expected in text
    if shown == "answer":
        assert text.count('class="unsupported"') == 1 and "\n" not in text


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markup_in_unsupported_and_removed_sentences_stays_inert(payload):
    shown = answer_html(checked_answer(unsupported=payload, removed=payload))
    inner = shown.split('title="Not supported by the cited passages">', 1)[1].split('<sup class="unsupported-mark">')[0]
    assert html.unescape(inner) == payload
    assert "<script" not in shown and "<img" not in shown and "](" not in shown and "$$" not in shown
    assert "\n" not in shown
    markdown = conversation_markdown([Turn("Q?", checked_answer(unsupported=payload, removed=payload))])
    assert not re.search(r"(?<!\\)[<>\[\]`]", markdown), "markup characters in the export must be escaped"


@pytest.mark.parametrize(
    ("spans", "expected"),
    [
        ([(0, 4)], [(0, 4)]),
        ([(5, 9), (0, 4)], [(0, 4), (5, 9)]),  # sorted
        ([(0, 6), (4, 9)], [(0, 6)]),  # overlap skipped
        ([(3, 3), (8, 99), (-1, 2)], []),  # empty, past the end, negative
        ([(None, None)], []),
    ],
)
def test_unsupported_spans_keep_only_valid_offsets(spans, expected):
    sentences = [SentenceSupport("x", "unsupported", (), 0.0, start, end) for start, end in spans]
    assert unsupported_spans("0123456789", sentences) == expected


def test_answers_without_sentence_checks_are_unchanged():
    answer = Answer("Plain. [1]", [], refused=False)
    assert answer_html(answer) == '<div class="answer">Plain. <sup class="cite-ref">[1]</sup></div>'
    assert sources_title(answer) == "Sources (0)"
    all_supported = Answer("Yes. [1]", [], False, sentences=[SentenceSupport("Yes. [1]", "supported", (1,), 0.9, 0, 8)])
    shown = answer_html(all_supported)
    assert '<div class="support-summary">1 of 1 sentence supported by its citations</div>' in shown
    assert "unsupported" not in shown and "removed" not in shown
