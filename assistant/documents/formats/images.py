"""Images (.png .jpg .jpeg .tif .tiff): their text read by OCR, each frame of a multi-page TIFF a page."""

from __future__ import annotations

import warnings
from pathlib import Path

from assistant.documents import ocr
from assistant.documents.formats.base import LoadedDocument, TextBuilder, refuse

# Pixels of one image: a 600-dpi A3 scan is 7,000 x 9,900 = 69 MP. Larger ones are refused as possible
# decompression bombs (a tiny PNG can declare gigapixels), before they are decoded.
MAX_IMAGE_PIXELS = 80_000_000
MAX_FRAMES = 500


def load_image(path: Path, data: bytes) -> LoadedDocument:
    """OCR of every frame; refused when Tesseract is missing or nothing legible is found."""
    from PIL import Image, UnidentifiedImageError

    if not ocr.tesseract_available():
        raise refuse(
            path, f"an image, and reading its text needs Tesseract, which is not installed: {ocr.INSTALL_HINT}"
        )
    builder = TextBuilder(path)
    confidences: list[float] = []
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(path)
            frames = getattr(image, "n_frames", 1)
            if image.width * image.height > MAX_IMAGE_PIXELS or frames > MAX_FRAMES:
                raise refuse(
                    path,
                    f"image too large to read ({image.width}x{image.height} px, {frames} frames; the cap is "
                    f"{MAX_IMAGE_PIXELS / 1e6:.0f} megapixels and {MAX_FRAMES} frames): a decompression bomb?",
                )
            for frame in range(frames):
                image.seek(frame)
                result = ocr.recognize(image)
                confidences.append(result.confidence)
                if result.confidence >= ocr.MIN_CONFIDENCE:
                    builder.add(result.text, {"page": frame + 1} if frames > 1 else None, opens_section=frames > 1)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise refuse(path, f"image too large to read: a decompression bomb? ({error})") from error
    except (UnidentifiedImageError, OSError, ValueError, EOFError) as error:
        raise refuse(path, f"corrupt or unreadable image ({error})") from error
    if builder.length == 0:
        best = max(confidences, default=0.0)
        raise refuse(
            path,
            f"no legible text: OCR confidence {best:.0f} is below {ocr.MIN_CONFIDENCE:.0f} (a photo, a drawing or "
            "a blank scan?); scan it again at 300 dpi if it holds text",
        )
    return builder.build()
