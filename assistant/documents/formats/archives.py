"""Zip containers (.docx .pptx .xlsx .odt .epub) checked before any reader opens them.

A file is refused, with a reason, when it is encrypted, is not a whole zip, would inflate past the caps
(a decompression bomb) or carries macros. Readers then open a container that passed these checks.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path

from assistant.documents.formats.base import refuse

# Uncompressed size of a whole container: the largest real documents we measured (a 300-page report with
# images, a 50k-row workbook) stay under 150 MB; a zip bomb is usually GBs.
MAX_UNCOMPRESSED_BYTES = 300 * 1024 * 1024
# Inflation ratio of a container over 10 MB uncompressed: sheet XML compresses about 10-30x, a bomb 1000x.
MAX_RATIO = 200
RATIO_CHECKED_FROM_BYTES = 10 * 1024 * 1024
# An OLE compound file: what Office writes for a password-protected .docx/.xlsx/.pptx (and old .doc/.xls/.ppt).
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MACRO_PARTS = ("vbaproject.bin", "vbadata.xml")


def open_zip(path: Path) -> zipfile.ZipFile:
    """The checked container at `path`; raises UnsupportedDocumentError saying what is wrong with it."""
    with path.open("rb") as file:
        head = file.read(8)
    if head.startswith(OLE_MAGIC):
        raise refuse(
            path,
            "password-protected or encrypted (an OLE container, not a zip): save it again without a password "
            "(or, for an old .doc/.xls/.ppt, in the current format) and add it again",
        )
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise refuse(path, f"corrupt archive, not a readable zip ({error}): is the file complete?") from error
    try:
        check_archive(path, archive)
    except BaseException:
        archive.close()
        raise
    return archive


def check_archive(path: Path, archive: zipfile.ZipFile) -> None:
    """Refuse encrypted entries, macros and decompression bombs, reading only the zip's directory."""
    entries = archive.infolist()
    if not entries:
        raise refuse(path, "corrupt archive: the zip holds no files")
    encrypted = [entry.filename for entry in entries if entry.flag_bits & 0x1]
    if encrypted:
        raise refuse(path, f"encrypted archive ({encrypted[0]} needs a password): add it again without a password")
    macros = [entry.filename for entry in entries if entry.filename.lower().rsplit("/", 1)[-1] in MACRO_PARTS]
    if macros:
        raise refuse(
            path,
            f"macro-enabled file ({macros[0]}): macros are never run, so such files are not read; "
            "save it without macros (.docx, .xlsx, .pptx) and add it again",
        )
    total = sum(entry.file_size for entry in entries)
    packed = max(1, sum(entry.compress_size for entry in entries))
    if total > MAX_UNCOMPRESSED_BYTES:
        raise refuse(
            path,
            f"decompression bomb or oversized archive: it inflates to {total / 2**20:.0f} MB, over the "
            f"{MAX_UNCOMPRESSED_BYTES / 2**20:.0f} MB cap; split the document",
        )
    if total > RATIO_CHECKED_FROM_BYTES and total / packed > MAX_RATIO:
        raise refuse(
            path,
            f"decompression bomb: {packed / 2**20:.1f} MB inflate {total / packed:.0f}x to {total / 2**20:.0f} MB "
            f"(the cap is {MAX_RATIO}x)",
        )


def read_member(path: Path, archive: zipfile.ZipFile, name: str) -> bytes:
    """One file of the container, or a refusal naming the missing part."""
    try:
        return archive.read(name)
    except KeyError as error:
        raise refuse(path, f"corrupt archive: it has no {name}") from error
    except (zipfile.BadZipFile, zlib.error, OSError, ValueError, EOFError) as error:
        raise refuse(path, f"corrupt archive: {name} cannot be read ({error})") from error
