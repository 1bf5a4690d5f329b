"""The source viewer: a citation opened in its whole document, the quote highlighted and scrolled into view.

For a PDF the page image is shown too, with the quote's region marked. Self-contained: the page adds the
panel with `ViewerPanel(assistant, turns)` and hooks each answering event to `panel.follow(event)`.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from assistant.core.errors import AssistantError
from assistant.core.types import Citation
from assistant.documents.sources import SourceText, document_of_chunk, marked_page, source_text
from assistant.web.presentation import Turn, inert

if TYPE_CHECKING:
    from assistant.assistant import Assistant

logger = logging.getLogger(__name__)

# Characters of a document the viewer shows at most (a 20,000-row sheet is ~1.2 M): a window around the quote.
MAX_VIEW_CHARS = 200_000
# Runs in the browser once the viewer has rendered: the quote scrolled to the middle of its scroll box.
SCROLL_JS = """() => { setTimeout(() => {
  const mark = document.querySelector('#viewer mark.viewer-quote');
  if (mark) { mark.scrollIntoView({block: 'center', inline: 'nearest'}); }
}, 120); }"""
EMPTY_HTML = '<div class="viewer-empty">Choose a citation above to see it in its document.</div>'
# Inline styles keep the viewer self-contained (the page's stylesheet belongs to the chat).
_TEXT_STYLE = (
    "max-height: 420px; overflow: auto; padding: 8px 12px; line-height: 1.5; font-size: 0.92em; "
    "border: 1px solid var(--border-color-primary); border-radius: 6px; background: var(--background-fill-secondary)"
)
_MARK_STYLE = "background: #fde68a; color: #1f2937; padding: 0 2px; border-radius: 3px"
_PAGE_STYLE = "display: block; max-width: 100%; max-height: 520px; margin: 6px 0; border: 1px solid #d1d5db"


def citation_choices(turns: Sequence[Turn]) -> list[tuple[str, str]]:
    """(label, value) of each citation of the latest answer that has some; value is "turn:n"."""
    for index in range(len(turns) - 1, -1, -1):
        citations = turns[index].answer.citations
        if citations:
            return [(citation_label(citation), f"{index}:{citation.n}") for citation in citations]
    return []


def citation_label(citation: Citation) -> str:
    """ "[1] report.pdf · page 3: The lamp burns…" """
    where = citation.where()
    quote = citation.quote if len(citation.quote) <= 60 else citation.quote[:59].rstrip() + "…"
    return f"[{citation.n}] {citation.source}{f' · {where}' if where else ''}: {quote}"


def find_citation(turns: Sequence[Turn], value: str | None) -> Citation | None:
    """The citation a choice names, or None when it is stale (the conversation was cleared)."""
    try:
        index, number = (int(part) for part in (value or "").split(":"))
        return next(c for c in turns[index].answer.citations if c.n == number)
    except (ValueError, IndexError, StopIteration):
        return None


def viewer_html(document: SourceText, citation: Citation, page: tuple[bytes, int] | None = None) -> str:
    """The document's text with the quote in `<mark class="viewer-quote">`, under its name, location and page.

    `page` is a PNG of the quote's PDF page and the number of boxes marked on it.
    """
    text, start, end = document.text, citation.start, citation.end
    if text[start:end] != citation.quote:  # re-ingested since the answer: find the quote by its words
        start = text.find(citation.quote)
        end = start + len(citation.quote)
    where = citation.where()
    head = f'<span class="doc">{inert(document.source)}</span>'
    if where:
        head += f' · <span class="where">{inert(where)}</span>'
    parts = [f'<div class="viewer"><div class="viewer-head">{head}</div>']
    if page is not None:
        encoded = base64.b64encode(page[0]).decode("ascii")
        alt = inert(f"page {citation.page} with the quote marked")
        source = f"data:image/png;base64,{encoded}"
        image = f'<img class="viewer-page" data-marks="{int(page[1])}" style="{_PAGE_STYLE}" alt="{alt}"'
        parts.append(f'{image} src="{source}">')
    if start < 0:
        parts.append('<div class="viewer-note">The quote is no longer in this document (it changed since).</div>')
        parts.append(f'<div class="viewer-text" style="{_TEXT_STYLE}">{inert(_window(text, 0, 0)[0])}</div></div>')
        return "".join(parts)
    shown, shown_start = _window(text, start, end)
    before = shown[: start - shown_start]
    quote = shown[start - shown_start : end - shown_start]
    after = shown[end - shown_start :]
    cut_before = "… " if shown_start > 0 else ""
    cut_after = " …" if shown_start + len(shown) < len(text) else ""
    parts.append(
        f'<div class="viewer-text" style="{_TEXT_STYLE}">{cut_before}{inert(before)}'
        f'<mark class="viewer-quote" style="{_MARK_STYLE}">{inert(quote)}</mark>'
        f"{inert(after)}{cut_after}</div></div>"
    )
    return "".join(parts)


def _window(text: str, start: int, end: int) -> tuple[str, int]:
    """The whole text, or MAX_VIEW_CHARS of it centred on `start:end`, and where it starts."""
    if len(text) <= MAX_VIEW_CHARS:
        return text, 0
    left = max(0, min(start - MAX_VIEW_CHARS // 2, len(text) - MAX_VIEW_CHARS))
    return text[left : left + MAX_VIEW_CHARS], left


class ViewerPanel:
    """The page's viewer: a choice of the latest answer's citations and the document shown for the chosen one."""

    def __init__(self, assistant: Assistant, turns: Any) -> None:
        import gradio as gr

        self.assistant = assistant
        self.turns = turns
        with gr.Accordion("Source viewer", open=True, elem_id="viewer-panel"):
            self.choice = gr.Dropdown([], label="Open a citation in its document", elem_id="viewer-choice")
            self.html = gr.HTML(EMPTY_HTML, elem_id="viewer")
        self.choice.change(self.show, [turns, self.choice], [self.html]).then(None, js=SCROLL_JS)

    def follow(self, event: Any) -> Any:
        """After `event` (an answer, a cleared chat), offer the latest answer's citations."""
        return event.then(self.refresh, [self.turns], [self.choice, self.html])

    def refresh(self, turns: Sequence[Turn]) -> tuple[Any, str]:
        import gradio as gr

        return gr.Dropdown(choices=citation_choices(turns), value=None), EMPTY_HTML

    def show(self, turns: Sequence[Turn], value: str | None) -> str:
        """The viewer's HTML for the chosen citation."""
        citation = find_citation(turns, value)
        if citation is None:
            return EMPTY_HTML
        try:
            store = self.assistant.store
            document = source_text(store, document_of_chunk(store, citation.chunk_id))
        except AssistantError as error:
            return f'<div class="viewer-note">{inert(str(error))}</div>'
        page = None
        if document.is_pdf and citation.page:
            page = marked_page(document.id, int(citation.page), citation.quote)
        return viewer_html(document, citation, page)
