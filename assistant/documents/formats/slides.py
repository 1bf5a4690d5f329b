"""Presentations (.pptx): each slide's text in reading order, then its speaker notes, located by slide number."""

from __future__ import annotations

from pathlib import Path

from assistant.documents.formats.archives import open_zip
from assistant.documents.formats.base import READ_ERRORS, LoadedDocument, TextBuilder, refuse, table_lines


def load_pptx(path: Path, data: bytes) -> LoadedDocument:
    """Slides in order; each opens a section. Text boxes top to bottom, left to right; tables a row per line."""
    open_zip(path).close()
    try:
        from pptx import Presentation

        presentation = Presentation(str(path))
        builder = TextBuilder(path)
        for number, slide in enumerate(presentation.slides, start=1):
            location = {"slide": number}
            title = slide.shapes.title
            opens = True
            if title is not None and title.has_text_frame and title.text_frame.text.strip():
                builder.add(title.text_frame.text, location, opens_section=True)
                opens = False
            for shape in _reading_order(slide.shapes):
                if title is not None and shape.shape_id == title.shape_id:
                    continue
                for text, separator in _shape_texts(shape):
                    if builder.add(text, location, separator=separator, opens_section=opens) is not None:
                        opens = False
            if slide.has_notes_slide:
                notes = slide.notes_slide.notes_text_frame
                if notes is not None:
                    builder.add(notes.text, {"slide": number, "part": "notes"}, opens_section=opens)
    except READ_ERRORS as error:
        raise refuse(path, f"corrupt or unreadable presentation ({type(error).__name__}: {error})") from error
    return builder.build()


def _reading_order(shapes) -> list:
    """Shapes sorted top to bottom, then left to right (placeholders without a position go first)."""
    return sorted(shapes, key=lambda shape: (shape.top or 0, shape.left or 0))


def _shape_texts(shape) -> list[tuple[str, str]]:
    """(text, separator) of a shape: a text box's paragraphs, a table's rows, a group's shapes in order."""
    if getattr(shape, "shape_type", None) is not None and hasattr(shape, "shapes"):  # a group
        return [item for inner in _reading_order(shape.shapes) for item in _shape_texts(inner)]
    if getattr(shape, "has_table", False) and shape.has_table:
        rows = [[cell.text for cell in row.cells] for row in shape.table.rows]
        return [(line, "\n" if index else "\n\n") for index, line in enumerate(table_lines(rows))]
    if getattr(shape, "has_text_frame", False) and shape.has_text_frame:
        lines = [paragraph.text for paragraph in shape.text_frame.paragraphs if paragraph.text.strip()]
        return [("\n".join(lines), "\n\n")] if lines else []
    return []
