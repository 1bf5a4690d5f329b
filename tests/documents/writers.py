"""Real documents for the tests, written with each format's own writer library (or by the format's spec)."""

from __future__ import annotations

import zipfile
from email.message import EmailMessage
from pathlib import Path

FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")

INSTRUMENTS = [
    ["Instrument", "Aperture", "First light"],
    ["Great Refractor", "0.9 m", "1891"],
    ["Solar Tower", "0.6 m", "1924"],
]
OCR_TEXT = (
    "The harbour lighthouse was rebuilt in 1911 after the winter storm.\n"
    "Its lamp burns paraffin and turns once every twelve seconds.\n"
    "Keepers logged the weather at dawn, noon and dusk each day."
)


def write_docx(path: Path) -> Path:
    import docx

    document = docx.Document()
    document.add_heading("Kestrel Observatory", level=1)
    document.add_paragraph("The observatory stands on the northern ridge above the town of Alder.")
    document.add_heading("Instruments", level=2)
    document.add_paragraph("The dome was painted white in 1950.")
    document.add_paragraph("Mirrors are cleaned every spring.", style="List Bullet")
    document.add_paragraph("Lenses are checked every autumn.", style="List Bullet")
    table = document.add_table(rows=0, cols=3)
    for values in INSTRUMENTS:
        cells = table.add_row().cells
        for cell, value in zip(cells, values, strict=True):
            cell.text = value
    document.add_heading("Visitors", level=2)
    document.add_paragraph("Public nights are held on the first Friday of each month.")
    document.save(path)
    return path


def write_pptx(path: Path) -> Path:
    from pptx import Presentation
    from pptx.util import Inches

    presentation = Presentation()
    slides = [
        ("Quarterly review", "Revenue grew by twelve percent in the third quarter.", "Thank the sales team first."),
        ("Hiring", "The company hired forty engineers in Lisbon.", "Mention the new office opening in May."),
    ]
    for title, body, notes in slides:
        slide = presentation.slides.add_slide(presentation.slide_layouts[1])
        slide.shapes.title.text = title
        slide.placeholders[1].text = body
        slide.notes_slide.notes_text_frame.text = notes
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = "Offices"
    shape = slide.shapes.add_table(3, 2, Inches(1), Inches(2), Inches(6), Inches(2))
    for row, values in enumerate([["City", "Staff"], ["Lisbon", "40"], ["Porto", "12"]]):
        for column, value in enumerate(values):
            shape.table.cell(row, column).text = value
    presentation.save(path)
    return path


def write_xlsx(path: Path, rows: int = 3) -> Path:
    from openpyxl import Workbook

    workbook = Workbook()
    sales = workbook.active
    sales.title = "Sales"
    sales.append(["Region", "Quarter", "Revenue"])
    for values in [["North", "Q1", 1200], ["South", "Q1", 950.0], ["East", "Q2", 1730]][:rows]:
        sales.append(values)
    for number in range(max(0, rows - 3)):
        sales.append([f"Region {number}", "Q4", number])
    staff = workbook.create_sheet("Staff")
    staff.append(["Name", "Role"])
    staff.append(["Ines Duarte", "Chief engineer"])
    workbook.save(path)
    return path


def write_csv(path: Path) -> Path:
    path.write_text("city,country,population\nLisbon,Portugal,545000\nPorto,Portugal,232000\n", encoding="utf-8")
    return path


def write_epub(path: Path, chapters: list[tuple[str, str]] | None = None) -> Path:
    """An EPUB 3 written by the spec (a zip); the manifest lists the chapters in reverse, the spine in order."""
    chapters = chapters or [
        ("The Voyage Out", "The ship left Bristol on a grey morning in March."),
        ("The Island", "On the island the crew found fresh water and wild goats."),
    ]
    names = [f"text/chapter{number}.xhtml" for number in range(1, len(chapters) + 1)]
    manifest = "".join(
        f'<item id="c{number}" href="{names[number - 1]}" media-type="application/xhtml+xml"/>'
        for number in range(len(chapters), 0, -1)
    )
    spine = "".join(f'<itemref idref="c{number}"/>' for number in range(1, len(chapters) + 1))
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/epub+zip")  # stored, first
        archive.writestr(
            "META-INF/container.xml",
            '<?xml version="1.0"?><container version="1.0" xmlns="urn:oasis:names:tc:opendocument:xmlns:container">'
            '<rootfiles><rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
            "</rootfiles></container>",
        )
        archive.writestr(
            "OEBPS/content.opf",
            '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="3.0">'
            f"<manifest>{manifest}</manifest><spine>{spine}</spine></package>",
        )
        for name, (title, body) in zip(names, chapters, strict=True):
            archive.writestr(
                f"OEBPS/{name}",
                '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>Book</title></head>'
                f"<body><h1>{title}</h1><p>{body}</p></body></html>",
            )
    return path


def write_eml(path: Path) -> Path:
    message = EmailMessage()
    message["From"] = "Ana Costa <ana@example.org>"
    message["To"] = "Team <team@example.org>"
    message["Date"] = "Tue, 04 Mar 2025 09:30:00 +0000"
    message["Subject"] = "Budget meeting moved"
    message.set_content("Hello all,\n\nThe budget meeting moves to Thursday at ten in room 4.\n\nAna")
    message.add_alternative("<p>Hello all,</p><p>The budget meeting moves to <b>Thursday</b>.</p>", subtype="html")
    message.add_attachment(b"a,b\n1,2\n", maintype="text", subtype="csv", filename="figures.csv")
    path.write_bytes(bytes(message))
    return path


def write_odt(path: Path) -> Path:
    """A minimal OpenDocument text written by the spec: a heading, a paragraph, a list and a table."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    )
    content = (
        f'<?xml version="1.0"?><office:document-content {ns} office:version="1.2"><office:body><office:text>'
        '<text:h text:outline-level="1">Garden plan</text:h>'
        "<text:p>Tomatoes go in the<text:s/>south bed this year.</text:p>"
        "<text:list><text:list-item><text:p>Water at dawn.</text:p></text:list-item></text:list>"
        "<table:table><table:table-row><table:table-cell><text:p>Plant</text:p></table:table-cell>"
        "<table:table-cell><text:p>Bed</text:p></table:table-cell></table:table-row>"
        "<table:table-row><table:table-cell><text:p>Basil</text:p></table:table-cell>"
        "<table:table-cell><text:p>East</text:p></table:table-cell></table:table-row></table:table>"
        "</office:text></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", content)
    return path


def render_text_image(text: str = OCR_TEXT, dpi: int = 300):
    """`text` in 12-point DejaVu Sans on a white letter-width page at `dpi` (a Pillow image)."""
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.truetype(str(FONT), round(12 * dpi / 72)) if FONT.exists() else ImageFont.load_default(50)
    lines = text.splitlines()
    line_height = round(20 * dpi / 72)
    image = Image.new("L", (round(8.5 * dpi), line_height * (len(lines) + 2)), 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((dpi // 2, line_height * (number + 1)), line, font=font, fill=0)
    return image


def write_scanned_pdf(path: Path, text: str = OCR_TEXT) -> Path:
    """A PDF whose only page is an image of `text` (no text layer), as a scanner makes."""
    render_text_image(text).save(path, "PDF", resolution=300)
    return path


def write_pdf(path: Path, pages: list[list[tuple[float, float, str]]]) -> Path:
    """A PDF with a text layer: each page a list of (x, y, text) drawn in Helvetica 11, in the order given."""
    objects = ["<< /Type /Catalog /Pages 2 0 R >>", ""]
    kids = []
    for items in pages:
        stream = " ".join(f"BT /F1 11 Tf 1 0 0 1 {x} {y} Tm ({text}) Tj ET" for x, y, text in items)
        page_number, content_number = len(objects) + 1, len(objects) + 2
        kids.append(f"{page_number} 0 R")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {content_number} 0 R "
            "/Resources << /Font << /F1 << /Type /Font /Subtype /Type1 /BaseFont /Helvetica >> >> >> >>"
        )
        objects.append(f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream")
    objects[1] = f"<< /Type /Pages /Kids [{' '.join(kids)}] /Count {len(pages)} >>"
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{offset:010d} 00000 n \n" for offset in offsets).encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    path.write_bytes(bytes(out))
    return path


def table_page() -> list[tuple[float, float, str]]:
    """A page with a sentence, a three-column table drawn column by column (as many generators do), a sentence."""
    rows = [["Metal", "Melting point", "Density"], ["Gallium", "29.76 C", "5.91"], ["Tin", "231.93 C", "7.31"]]
    items = [(72, 740, "Table 1 lists the metals measured in the laboratory this year.")]
    for column, x in enumerate((72, 200, 330)):
        items += [(x, 700 - 18 * number, row[column]) for number, row in enumerate(rows)]
    return [*items, (72, 600, "The measurements were repeated three times.")]
