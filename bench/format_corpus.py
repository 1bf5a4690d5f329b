"""The mixed folder of bench/formats.py: files of every format written with their own libraries, real prose in them."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCIFACT = ROOT.parent / "shared" / "data" / "beir-scifact" / "corpus.jsonl"
# Share of the folder per format (scans and images are few, as in real folders: OCR costs seconds each).
MIX = {
    ".pdf": 30,
    ".docx": 30,
    ".pptx": 20,
    ".xlsx": 15,
    ".csv": 25,
    ".epub": 12,
    ".eml": 30,
    ".odt": 10,
    ".html": 10,
    ".md": 8,
    "scan.pdf": 4,
    ".png": 4,
    ".jpg": 2,
}


def prose(count: int, rng: random.Random) -> list[str]:
    """`count` paragraphs of real prose (SciFact abstracts) when the data is there, else generated sentences."""
    if SCIFACT.is_file():
        if not hasattr(prose, "pool"):
            with SCIFACT.open(encoding="utf-8") as lines:
                prose.pool = [json.loads(line)["text"] for _, line in zip(range(3000), lines, strict=False)]
        return [rng.choice(prose.pool) for _ in range(count)]
    words = "cell protein study patients increase level response effect analysis gene model data".split()
    return [" ".join(rng.choice(words) for _ in range(120)).capitalize() + "." for _ in range(count)]


def ascii_text(text: str) -> str:
    return text.encode("ascii", "replace").decode().replace("\\", "/").replace("(", "[").replace(")", "]")


def write_corpus(folder: Path, total: int, seed: int = 13) -> list[Path]:
    """The mixed folder: `total` files spread over the formats as MIX says."""
    import docx
    from openpyxl import Workbook
    from pptx import Presentation

    from tests.documents import writers

    rng, paths = random.Random(seed), []
    scale = total / sum(MIX.values())
    for kind, share in MIX.items():
        for number in range(max(1, round(share * scale))):
            texts = prose(rng.randint(2, 6), rng)
            path = folder / f"{kind.strip('.').replace('.', '-')}-{number:03d}{Path(kind).suffix or kind}"
            if kind == ".pdf":
                lines = [ascii_text(line) for text in texts for line in re.findall(r".{1,90}(?:\s|$)", text)]
                pages = [lines[i : i + 45] for i in range(0, len(lines), 45)]
                writers.write_pdf(path, [[(54, 740 - 15 * n, line) for n, line in enumerate(page)] for page in pages])
            elif kind == "scan.pdf":
                writers.write_scanned_pdf(path, "\n".join(re.findall(r".{1,70}(?:\s|$)", texts[0])[:12]))
            elif kind in (".png", ".jpg"):
                image = writers.render_text_image("\n".join(re.findall(r".{1,70}(?:\s|$)", texts[0])[:12]))
                image.convert("RGB").save(path, dpi=(300, 300))
            elif kind == ".docx":
                document = docx.Document()
                for index, text in enumerate(texts):
                    document.add_heading(f"Part {index + 1}", level=2)
                    document.add_paragraph(text)
                document.save(path)
            elif kind == ".pptx":
                deck = Presentation()
                for index, text in enumerate(texts):
                    slide = deck.slides.add_slide(deck.slide_layouts[1])
                    slide.shapes.title.text = f"Finding {index + 1}"
                    slide.placeholders[1].text = text[:400]
                    slide.notes_slide.notes_text_frame.text = text[400:800]
                deck.save(path)
            elif kind in (".xlsx", ".csv"):
                rows = [["Sample", "Group", "Measure", "Value", "Note"]]
                rows += [
                    [f"S{i}", rng.choice("ABC"), "level", round(rng.random() * 100, 2), texts[0][i : i + 40]]
                    for i in range(rng.randint(40, 160))
                ]
                if kind == ".csv":
                    path.write_text("\n".join(",".join(str(c).replace(",", ";") for c in r) for r in rows) + "\n")
                else:
                    book = Workbook()
                    for row in rows:
                        book.active.append(row)
                    book.save(path)
            elif kind == ".epub":
                writers.write_epub(path, [(f"Chapter {i + 1}", text) for i, text in enumerate(texts)])
            elif kind == ".eml":
                from email.message import EmailMessage

                message = EmailMessage()
                message["From"], message["To"], message["Subject"] = "a@example.org", "b@example.org", "Results"
                message.set_content("\n\n".join(texts))
                path.write_bytes(bytes(message))
            elif kind == ".odt":
                writers.write_odt(path)
            elif kind == ".html":
                body = "".join(f"<h2>Part {i}</h2><p>{text}</p>" for i, text in enumerate(texts))
                path.write_text(f"<html><head><style>p{{}}</style></head><body>{body}</body></html>")
            else:
                path.write_text("\n\n".join(f"## Part {i}\n\n{text}" for i, text in enumerate(texts)))
            paths.append(path)
    return paths
