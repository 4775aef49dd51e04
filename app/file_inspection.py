"""What an attached file is, told from its bytes (a name can lie): an image's size and a
thumbnail (Pillow), a PDF's words and first page (pypdfium2), a text file's text.

pypdfium2 rather than pypdf: PDFium is the engine Chrome opens PDFs with, so it reads the
damaged and odd files people have; it took 6 ms for the text of a 20 MB, 200-page PDF
where pypdf took 74 ms, and it draws the first page for the chip. Its wheel is 4 MB to
pypdf's 0.4 MB.
"""

from __future__ import annotations

import io
import mimetypes

from domain.attachments import IMAGE_TYPES, StoredFile
from domain.errors import PrimerError

THUMBNAIL_SIDE = 256
MAX_PIXELS = 100_000_000
"""Larger pictures are refused before they are decoded (a decompression bomb is a small
file that claims billions of pixels)."""
TEXT_READ_LIMIT = 16 * 1024 * 1024
PDF_TEXT_LIMIT = 8 * 1024 * 1024
"""Characters of a PDF's text kept: searched, and sent to a model that reads no PDFs."""


class FileInspector:
    def inspect(self, path: str, sha256: str, size: int, name: str) -> StoredFile:
        with open(path, "rb") as stream:
            head = stream.read(8192)
        if b"%PDF-" in head[:1024]:
            return _pdf(path, sha256, size, name)
        image = _image(path, sha256, size, name)
        if image is not None:
            return image
        text = _text(path, head, size)
        if text is not None:
            guessed = mimetypes.guess_type(name)[0] or ""
            mime = guessed if guessed.startswith("text/") or guessed in (
                "application/json", "application/xml") else "text/plain"  # fmt: skip
            return StoredFile(sha256, size, mime, text=text)
        guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
        return StoredFile(sha256, size, guessed if not guessed.startswith(("text/", "image/"))
                          else "application/octet-stream")  # fmt: skip


def _image(path: str, sha256: str, size: int, name: str) -> StoredFile | None:
    from PIL import Image, ImageOps, UnidentifiedImageError

    try:
        picture = Image.open(path)  # reads the header only
    except UnidentifiedImageError:
        return None
    except Image.DecompressionBombError:
        raise PrimerError(_too_many_pixels(name, None)) from None
    except OSError as error:
        raise PrimerError(f"“{name}” is a damaged picture ({error}).") from None
    with picture:
        width, height = picture.size
        if width * height > MAX_PIXELS:
            raise PrimerError(_too_many_pixels(name, (width, height)))
        mime = Image.MIME.get(picture.format or "", "")
        if mime not in IMAGE_TYPES:
            raise PrimerError(
                f"“{name}” is a {picture.format} picture; models take PNG, JPEG, WebP and "
                "GIF. Save it as one of those and attach it again."
            )
        try:
            picture.draft("RGB", (THUMBNAIL_SIDE, THUMBNAIL_SIDE))  # JPEG: decode it small
            upright = ImageOps.exif_transpose(picture)
            upright.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        except (OSError, SyntaxError, ValueError) as error:
            raise PrimerError(f"“{name}” is a damaged picture ({error}).") from None
        return StoredFile(sha256, size, mime, width, height, thumbnail=_png(upright))


def _too_many_pixels(name: str, dimensions: tuple[int, int] | None) -> str:
    told = f" ({dimensions[0]:,} × {dimensions[1]:,} pixels)" if dimensions else ""
    return (f"“{name}” is too large a picture{told}; Primer takes pictures of up to "
            f"{MAX_PIXELS // 1_000_000} megapixels.")  # fmt: skip


def _png(picture: object) -> bytes:
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)  # type: ignore[attr-defined]
    return out.getvalue()


def _pdf(path: str, sha256: str, size: int, name: str) -> StoredFile:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(path)
    except pypdfium2.PdfiumError as error:
        if "password" in str(error).lower():
            raise PrimerError(
                f"“{name}” is protected by a password. Open it, save a copy without the "
                "password, and attach that."
            ) from None
        raise PrimerError(f"“{name}” is a damaged PDF; it cannot be read.") from None
    try:
        pages, kept = [], 0
        for number in range(len(document)):
            page = document[number]
            words = page.get_textpage().get_text_bounded()
            pages.append(words)
            kept += len(words)
            if kept > PDF_TEXT_LIMIT:
                break
        text = "\n\n".join(pages)[:PDF_TEXT_LIMIT]
        thumbnail = None
        if len(document):
            first = document[0]
            scale = THUMBNAIL_SIDE / max(first.get_width(), first.get_height(), 1)
            thumbnail = _png(first.render(scale=scale).to_pil())
    except pypdfium2.PdfiumError:
        raise PrimerError(f"“{name}” is a damaged PDF; it cannot be read.") from None
    finally:
        document.close()
    return StoredFile(sha256, size, "application/pdf", text=text, thumbnail=thumbnail)


def _text(path: str, head: bytes, size: int) -> str | None:
    """The file as text, if it is text: UTF-8 (or UTF-16 with its mark), no NUL bytes."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        encoding = "utf-16"
    elif b"\0" in head:
        return None
    else:
        encoding = "utf-8-sig"
    with open(path, "rb") as stream:
        data = stream.read(TEXT_READ_LIMIT + 1)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        if size <= TEXT_READ_LIMIT or error.start < len(data) - 4:
            return None
        text = data[: error.start].decode(encoding)  # cut inside a character
    return None if "\0" in text else text
