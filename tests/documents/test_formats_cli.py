"""The command line ingests every format and prints each citation's location (in-process, fake embedder)."""

from __future__ import annotations

import json

import pytest

from assistant.cli import main
from tests.documents import writers


@pytest.fixture
def index(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("ASSISTANT_EMBEDDING_BACKEND", "fake")
    monkeypatch.setenv("ASSISTANT_REFUSAL_THRESHOLD", "0.2")  # the bag-of-words fake scores lower than the model
    docs = tmp_path / "docs"
    docs.mkdir()
    for name, write in [
        ("review.pptx", writers.write_pptx),
        ("sales.xlsx", writers.write_xlsx),
        ("observatory.docx", writers.write_docx),
        ("voyage.epub", writers.write_epub),
        ("budget.eml", writers.write_eml),
        ("garden.odt", writers.write_odt),
        ("cities.csv", writers.write_csv),
    ]:
        write(docs / name)
    writers.write_docx(docs / "macros.docm")
    index = tmp_path / "index"
    assert main(["ingest", str(docs), "--index", str(index), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == 7 and report["skipped"] == 1
    return index


def test_ask_json_gives_the_location_of_a_spreadsheet_quote(index, capsys):
    assert main(["ask", "What revenue did the East region make?", "--index", str(index), "--json"]) == 0
    citations = json.loads(capsys.readouterr().out)["citations"]
    east = next(c for c in citations if "East" in c["quote"])
    assert east["source"] == "sales.xlsx" and east["location"] == {"sheet": "Sales", "row": 4}


def test_ask_prints_where_each_quote_stands(index, capsys):
    assert main(["ask", "How many engineers did the company hire in Lisbon?", "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "review.pptx, slide 2, characters" in out
