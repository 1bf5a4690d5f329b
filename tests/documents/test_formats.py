"""Each format read from a real file written by its own library: the text, and where every block stands."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from assistant.documents.loaders import load
from tests.documents import writers


def location_of(document, phrase: str) -> dict:
    return document.location_at(document.text.index(phrase))


def test_docx_keeps_headings_as_sections_lists_and_tables_a_row_per_line(tmp_path):
    document = load(writers.write_docx(tmp_path / "observatory.docx"))
    assert "Kestrel Observatory\n\nThe observatory stands" in document.text
    assert "• Mirrors are cleaned every spring.\n• Lenses are checked every autumn." in document.text
    assert "Instrument: Solar Tower; Aperture: 0.6 m; First light: 1924" in document.text.splitlines()
    assert location_of(document, "The dome") == {"section": "Instruments"}
    assert location_of(document, "Instrument: Solar Tower") == {"section": "Instruments", "table": 1, "row": 3}
    assert location_of(document, "Public nights") == {"section": "Visitors"}
    sections = [document.text[start:end].split("\n")[0] for start, end in document.section_spans()]
    assert sections == ["Kestrel Observatory", "Instruments", "Visitors"]


def test_pptx_reads_slides_in_order_with_notes_and_tables(tmp_path):
    document = load(writers.write_pptx(tmp_path / "review.pptx"))
    text = document.text
    assert text.index("Quarterly review") < text.index("Revenue grew") < text.index("Thank the sales team")
    assert location_of(document, "The company hired forty") == {"slide": 2}
    assert location_of(document, "Mention the new office") == {"slide": 2, "part": "notes"}
    assert location_of(document, "City: Porto; Staff: 12") == {"slide": 3}
    assert len(document.section_spans()) == 3


def test_xlsx_reads_every_sheet_a_row_per_line_as_header_value_pairs(tmp_path):
    document = load(writers.write_xlsx(tmp_path / "sales.xlsx"))
    lines = document.text.splitlines()
    assert "Region: South; Quarter: Q1; Revenue: 950" in lines  # 950.0 as people write it
    assert "Name: Ines Duarte; Role: Chief engineer" in lines
    assert location_of(document, "Region: East") == {"sheet": "Sales", "row": 4}
    assert location_of(document, "Name: Ines") == {"sheet": "Staff", "row": 2}


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("cities.csv", "city,country\nLisbon,Portugal\nPorto,Portugal\n"),
        ("cities.tsv", "city\tcountry\nLisbon\tPortugal\nPorto\tPortugal\n"),
        ("semicolons.csv", "city;country\nLisbon;Portugal\nPorto;Portugal\n"),
    ],
)
def test_csv_rows_are_labelled_by_the_header_whatever_the_delimiter(tmp_path, name, data):
    path = tmp_path / name
    path.write_text(data, encoding="utf-8")
    document = load(path)
    assert document.text.splitlines()[1:] == ["city: Lisbon; country: Portugal", "city: Porto; country: Portugal"]
    assert location_of(document, "city: Porto") == {"row": 3}


def test_epub_chapters_follow_the_spine_not_the_manifest(tmp_path):
    document = load(writers.write_epub(tmp_path / "voyage.epub"))
    assert document.text.index("The Voyage Out") < document.text.index("The Island")
    assert location_of(document, "fresh water") == {"chapter": "The Island"}
    assert "<p>" not in document.text


def test_eml_has_its_headers_and_body_and_names_attachments(tmp_path):
    document = load(writers.write_eml(tmp_path / "budget.eml"))
    lines = document.text.splitlines()
    assert lines[:4] == [
        "From: Ana Costa <ana@example.org>",
        "To: Team <team@example.org>",
        "Date: Tue, 04 Mar 2025 09:30:00 +0000",
        "Subject: Budget meeting moved",
    ]
    assert location_of(document, "The budget meeting moves") == {"part": "body"}
    assert "Attachments: figures.csv" in lines


def test_odt_reads_headings_lists_and_tables(tmp_path):
    document = load(writers.write_odt(tmp_path / "garden.odt"))
    assert "Tomatoes go in the south bed this year." in document.text
    assert "• Water at dawn." in document.text
    assert location_of(document, "Plant: Basil; Bed: East") == {"section": "Garden plan", "table": 1, "row": 2}


def test_pdf_table_is_read_as_rows_not_run_together_columns(tmp_path):
    path = writers.write_pdf(tmp_path / "metals.pdf", [writers.table_page(), [(72, 700, "Second page says beta.")]])
    document = load(path)
    lines = document.text.splitlines()
    assert "Metal: Tin; Melting point: 231.93 C; Density: 7.31" in lines
    assert lines[0] == "Table 1 lists the metals measured in the laboratory this year."
    assert location_of(document, "Metal: Tin") == {"page": 1}
    assert location_of(document, "beta") == {"page": 2}


def test_pdf_text_layer_gives_the_same_words_as_pypdf(tmp_path):
    from pypdf import PdfReader

    def page(number: int) -> list[tuple[float, float, str]]:
        lines = [f"Line {n} of report {number} names item-{n * 7} and the value {n}.5 twice." for n in range(1, 9)]
        return [(72, 720 - 16 * n, line) for n, line in enumerate(lines)] + [(72, 500, "A hyphen-ated (word) stays.")]

    pages = [page(number) for number in range(1, 4)]
    path = writers.write_pdf(tmp_path / "report.pdf", pages)
    words = re.compile(r"\w+")
    ours = Counter(words.findall(load(path).text))
    theirs = Counter(words.findall("\n".join(page.extract_text() for page in PdfReader(path).pages)))
    assert ours == theirs


def test_every_located_block_lies_inside_the_text(tmp_path):
    paths = [
        writers.write_docx(tmp_path / "a.docx"),
        writers.write_pptx(tmp_path / "a.pptx"),
        writers.write_xlsx(tmp_path / "a.xlsx"),
        writers.write_epub(tmp_path / "a.epub"),
        writers.write_eml(tmp_path / "a.eml"),
        writers.write_odt(tmp_path / "a.odt"),
    ]
    for path in paths:
        document = load(path)
        starts = [block.start for block in document.blocks]
        assert starts == sorted(starts) and all(0 <= start < len(document.text) for start in starts), path
        assert all(not document.text[start].isspace() for start in starts), path
