"""The upload rules that the HTTP API and the page share: the stored name, the accepted types, the size limit."""

from __future__ import annotations

import pytest

from assistant.core.errors import UploadRejectedError
from assistant.documents.uploads import MAX_NAME_CHARS, UPLOAD_SUFFIXES, check_upload_size, upload_name

MB = 1024 * 1024


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("notes.txt", "notes.txt"),
        ("Report.PDF", "Report.pdf"),
        ("../../etc/notes.txt", "notes.txt"),
        ("C:\\Users\\ann\\page.html", "page.html"),
        ("<img src=x>.md", "_img src_x_.md"),
        ("  spaced name .txt", "spaced name.txt"),
        ("a" * 300 + ".markdown", "a" * (MAX_NAME_CHARS - len(".markdown")) + ".markdown"),
    ],
)
def test_upload_name_keeps_a_safe_name_and_its_suffix(given, stored):
    assert upload_name(given) == stored
    assert len(upload_name(given)) <= MAX_NAME_CHARS


@pytest.mark.parametrize(
    ("given", "code", "words"),
    [
        ("", "invalid_name", "needs a name"),
        (None, "invalid_name", "needs a name"),
        ("...", "invalid_name", "needs a name"),
        ("data.exe", "unsupported_file_type", "unsupported file type '.exe'"),
        ("archive", "unsupported_file_type", "unsupported file type '\\(none\\)'"),
    ],
)
def test_upload_name_refuses_names_it_cannot_store(given, code, words):
    with pytest.raises(UploadRejectedError, match=words) as raised:
        upload_name(given)
    assert raised.value.code == code


def test_every_loadable_type_may_be_uploaded():
    assert {".txt", ".md", ".pdf", ".html"} <= UPLOAD_SUFFIXES
    assert all(upload_name(f"file{suffix}") == f"file{suffix}" for suffix in UPLOAD_SUFFIXES)


def test_size_limit():
    check_upload_size("big.txt", 20 * MB, 20)
    with pytest.raises(UploadRejectedError, match="larger than the 20 MB limit") as raised:
        check_upload_size("big.txt", 20 * MB + 1, 20)
    assert raised.value.code == "file_too_large"
