"""Files to attach, made on the spot for tests and benchmarks: PDFs with real text (and,
to reach a size, an incompressible picture on each page), photos, a decompression bomb."""

from __future__ import annotations

import io
import os
import zlib
from pathlib import Path


def pdf(pages: list[str], *, padding: int = 0, password: bool = False) -> bytes:
    """A PDF whose pages show `pages` (one line of Helvetica each). `padding`: bytes of
    random picture added to each page, to make a large file. `password`: an /Encrypt
    entry, as a password-protected file has (the content is then unreadable)."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    font = add(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    pages_id = len(objects) + 1 + 3 * len(pages) + 1  # the /Pages object comes last
    for text in pages:
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        stream = f"BT /F1 14 Tf 72 720 Td ({escaped}) Tj ET".encode("latin-1", "replace")
        content = add(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream))
        side = max(1, int((padding / 3) ** 0.5)) if padding else 1
        picture = zlib.compress(os.urandom(side * side * 3) if padding else b"\0\0\0", 0)
        image = add(
            b"<< /Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
            b"/BitsPerComponent 8 /Filter /FlateDecode /Length %d >>\nstream\n%s\nendstream"
            % (side, side, len(picture), picture)
        )
        kids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
                b"/Resources << /Font << /F1 %d 0 R >> /XObject << /Im1 %d 0 R >> >> >>"
                % (pages_id, content, font, image)
            )
        )
    catalog = add(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    refs = b" ".join(b"%d 0 R" % kid for kid in kids)
    assert add(b"<< /Type /Pages /Kids [%s] /Count %d >>" % (refs, len(kids))) == pages_id
    encrypt = b""
    if password:
        encrypt_id = add(
            b"<< /Filter /Standard /V 2 /R 3 /Length 128 /P -3904 "
            b"/O <" + b"11" * 32 + b"> /U <" + b"22" * 32 + b"> >>"
        )
        encrypt = b" /Encrypt %d 0 R /ID [<%s> <%s>]" % (encrypt_id, b"ab" * 16, b"ab" * 16)
    out = io.BytesIO()
    out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n%s\nendobj\n" % (number, body))
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root %d 0 R%s >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, catalog, encrypt, xref)
    )
    return out.getvalue()


def photo(width: int, height: int, *, kind: str = "JPEG") -> bytes:
    """A photo-like picture (noise over a gradient: it does not compress to nothing)."""
    from PIL import Image

    gradient = Image.linear_gradient("L").resize((width, height)).convert("RGB")
    noise = Image.effect_noise((width, height), 40).convert("RGB")
    picture = Image.blend(gradient, noise, 0.5)
    out = io.BytesIO()
    picture.save(out, kind, quality=90) if kind == "JPEG" else picture.save(out, kind)
    return out.getvalue()


def bomb() -> bytes:
    """A small PNG that claims 40,000 x 40,000 pixels (a decompression bomb)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("1", (40_000, 40_000)).save(out, "PNG")
    return out.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
