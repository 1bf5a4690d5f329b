"""Bad files are skipped with a reason that names the file and the problem; the run goes on, the index keeps all."""

from __future__ import annotations

import logging
import shutil
import zipfile
from pathlib import Path

import pytest

from assistant.core.errors import UnsupportedDocumentError
from assistant.documents import ocr
from assistant.documents.formats import archives, sheets
from assistant.documents.loaders import load
from tests.documents import writers

needs_tesseract = pytest.mark.skipif(not ocr.tesseract_available(), reason="needs Tesseract: `make system`")


def refusal(path: Path) -> str:
    with pytest.raises(UnsupportedDocumentError) as caught:
        load(path)
    message = str(caught.value)
    assert str(path) in message, "the reason names the file"
    return message


def encrypted_docx(folder: Path) -> Path:
    from msoffcrypto.format.ooxml import OOXMLFile

    plain = writers.write_docx(folder / "plain.docx")
    locked = folder / "locked.docx"
    with plain.open("rb") as source, locked.open("wb") as out:
        OOXMLFile(source).encrypt("secret", out)
    return locked


def encrypted_pdf(folder: Path) -> Path:
    from pypdf import PdfReader, PdfWriter

    plain = writers.write_pdf(folder / "plain.pdf", [[(72, 700, "Secret numbers.")]])
    writer = PdfWriter(clone_from=PdfReader(plain))
    writer.encrypt("secret", algorithm="AES-256")
    locked = folder / "locked.pdf"
    writer.write(locked)
    return locked


def with_member(source: Path, target: Path, name: str, data: bytes) -> Path:
    """A copy of a zip container with one more file in it."""
    shutil.copyfile(source, target)
    with zipfile.ZipFile(target, "a") as archive:
        archive.writestr(name, data)
    return target


def zero_bomb(path: Path, megabytes: int) -> Path:
    """A .docx-named zip whose one member inflates `megabytes` of zeros (about 1000x)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("word/document.xml", "w") as out:
        block = bytes(1024 * 1024)
        for _ in range(megabytes):
            out.write(block)
    return path


def test_password_protected_office_file_is_refused(tmp_path):
    assert "password-protected" in refusal(encrypted_docx(tmp_path))


def test_password_protected_pdf_is_refused(tmp_path):
    assert "password-protected PDF" in refusal(encrypted_pdf(tmp_path))


@pytest.mark.parametrize("suffix", [".docx", ".pptx", ".xlsx", ".epub", ".odt"])
def test_corrupt_archives_are_refused(tmp_path, suffix):
    path = tmp_path / f"broken{suffix}"
    path.write_bytes(b"PK\x03\x04 this zip ends here")
    assert "corrupt archive" in refusal(path)


@pytest.mark.parametrize(
    ("writer", "suffix"), [(writers.write_docx, ".docx"), (writers.write_pptx, ".pptx"), (writers.write_xlsx, ".xlsx")]
)
def test_truncated_office_files_are_refused(tmp_path, writer, suffix):
    whole = writer(tmp_path / f"whole{suffix}")
    cut = tmp_path / f"cut{suffix}"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    assert "corrupt" in refusal(cut)


def test_office_file_missing_its_main_part_is_refused(tmp_path):
    path = tmp_path / "hollow.docx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
    assert "corrupt or unreadable Word document" in refusal(path)


def test_decompression_bomb_is_refused_by_its_ratio(tmp_path):
    reason = refusal(zero_bomb(tmp_path / "bomb.docx", 40))
    assert "decompression bomb" in reason and "x" in reason


def test_oversized_archive_is_refused_by_its_uncompressed_size(tmp_path, monkeypatch):
    monkeypatch.setattr(archives, "MAX_UNCOMPRESSED_BYTES", 1024)  # the cap is 300 MB; a real 300 MB file is slow
    assert "over the" in refusal(writers.write_docx(tmp_path / "big.docx"))


@pytest.mark.parametrize("suffix", [".docm", ".xlsm", ".pptm"])
def test_macro_enabled_suffixes_are_refused(tmp_path, suffix):
    path = writers.write_docx(tmp_path / f"macros{suffix}")
    assert "macros are never run" in refusal(path)


def test_macros_hidden_in_a_docx_are_refused(tmp_path):
    plain = writers.write_docx(tmp_path / "plain.docx")
    path = with_member(plain, tmp_path / "hidden.docx", "word/vbaProject.bin", b"\xd0\xcf\x11\xe0 macro")
    assert "macro-enabled file (word/vbaProject.bin)" in refusal(path)


def test_drm_protected_epub_is_refused(tmp_path):
    book = writers.write_epub(tmp_path / "book.epub")
    encryption = (
        '<encryption xmlns="urn:oasis:names:tc:opendocument:xmlns:container" '
        'xmlns:enc="http://www.w3.org/2001/04/xmlenc#"><enc:EncryptedData><enc:CipherData>'
        '<enc:CipherReference URI="OEBPS/text/chapter1.xhtml"/></enc:CipherData></enc:EncryptedData></encryption>'
    )
    path = with_member(book, tmp_path / "drm.epub", "META-INF/encryption.xml", encryption.encode())
    assert "DRM-protected" in refusal(path)


def test_a_sheet_of_millions_of_rows_is_cut_at_the_cap_with_a_warning(tmp_path, caplog):
    path = tmp_path / "huge.csv"
    with path.open("w", encoding="utf-8") as out:
        out.write("id,value\n")
        out.writelines(f"{n},{n % 97}\n" for n in range(1_500_000))
    with caplog.at_level(logging.WARNING):
        document = load(path)
    assert len(document.text.splitlines()) == 1 + sheets.MAX_ROWS_PER_SHEET
    assert (
        document.text.splitlines()[-1]
        == f"id: {sheets.MAX_ROWS_PER_SHEET - 1}; value: {(sheets.MAX_ROWS_PER_SHEET - 1) % 97}"
    )
    assert any("huge.csv" in record.message and "kept the first" in record.message for record in caplog.records)


def test_a_long_workbook_sheet_is_cut_at_the_cap_with_a_warning(tmp_path, caplog, monkeypatch):
    monkeypatch.setattr(sheets, "MAX_ROWS_PER_SHEET", 50)  # 20,000 rows of openpyxl writing take long
    with caplog.at_level(logging.WARNING):
        document = load(writers.write_xlsx(tmp_path / "long.xlsx", rows=120))
    sales = [line for line in document.text.splitlines() if line.startswith("Region: ")]
    assert len(sales) == 50
    assert "Name: Ines Duarte; Role: Chief engineer" in document.text  # the next sheet is still read
    assert any("'Sales'" in record.message and "121" in record.message for record in caplog.records)


@needs_tesseract
def test_an_image_without_legible_text_is_refused(tmp_path):
    import numpy as np
    from PIL import Image

    noise = np.random.default_rng(7).integers(0, 256, (900, 1400), dtype=np.uint8)
    path = tmp_path / "noise.png"
    Image.fromarray(noise).save(path)
    assert "no legible text: OCR confidence" in refusal(path)


def test_an_image_declaring_gigapixels_is_refused_before_decoding(tmp_path):
    from PIL import Image

    path = tmp_path / "bomb.png"
    Image.new("1", (20_000, 20_000)).save(path)  # 400 megapixels in a few kilobytes
    reason = refusal(path)
    assert "too large" in reason or "Tesseract" in reason


def test_bad_files_are_skipped_and_the_run_and_the_index_go_on(tmp_path, fake_assistant):
    docs = tmp_path / "docs"
    docs.mkdir()
    writers.write_docx(docs / "good.docx")
    writers.write_csv(docs / "good.csv")
    first = fake_assistant.ingest([docs], progress=False)
    assert first.skipped == 0 and first.files == 2
    chunks = fake_assistant.store.count()
    shutil.copyfile(encrypted_docx(tmp_path), docs / "locked.docx")
    zero_bomb(docs / "bomb.xlsx", 40)
    (docs / "broken.pptx").write_bytes(b"PK\x03\x04 broken")
    writers.write_docx(docs / "macros.docm")
    report = fake_assistant.ingest([docs], progress=False)
    reasons = dict(report.skipped_files)
    assert set(reasons) == {str(docs / name) for name in ("locked.docx", "bomb.xlsx", "broken.pptx", "macros.docm")}
    assert "password-protected" in reasons[str(docs / "locked.docx")]
    assert "decompression bomb" in reasons[str(docs / "bomb.xlsx")]
    assert "corrupt archive" in reasons[str(docs / "broken.pptx")]
    assert "macros are never run" in reasons[str(docs / "macros.docm")]
    assert report.files == 2 and report.chunks_removed == 0 and fake_assistant.store.count() == chunks
    assert {record.source for record in fake_assistant.documents()} == {"good.docx", "good.csv"}
