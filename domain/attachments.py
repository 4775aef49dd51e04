"""Files attached to messages, and the rules for sending them: which provider reads which
kind of file, up to what size, and what goes instead of a file a model cannot read.

A file is stored once, by the SHA-256 of its bytes, whatever it was called and however
often it is attached; an attachment is a file with the name it had on one message.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from domain.errors import PrimerError


class FileKind(StrEnum):
    IMAGE = "image"
    PDF = "pdf"
    TEXT = "text"
    OTHER = "other"


IMAGE_TYPES = {"image/png", "image/jpeg", "image/webp", "image/gif"}
"""The pictures both OpenAI and Gemini take (others are converted first)."""
MAX_FILE_BYTES = 2 * 1024**3
"""The largest file a provider here takes (Gemini's Files API)."""


def kind_of(mime: str) -> FileKind:
    if mime in IMAGE_TYPES:
        return FileKind.IMAGE
    if mime == "application/pdf":
        return FileKind.PDF
    if mime.startswith("text/") or mime in ("application/json", "application/xml"):
        return FileKind.TEXT
    return FileKind.OTHER


@dataclass(frozen=True, slots=True)
class StoredFile:
    """What is known of a file's bytes, found once when it is first attached."""

    sha256: str
    size: int
    mime: str
    """Told from the content, not from the name."""
    width: int | None = None
    height: int | None = None
    text: str | None = None
    """The words in it (a PDF's, a text file's): searched, and sent to a model that
    cannot read the file itself."""
    thumbnail: bytes | None = None
    """A small PNG (an image's, a PDF's first page) for chips and the conversation."""

    @property
    def kind(self) -> FileKind:
        return kind_of(self.mime)


@dataclass(frozen=True, slots=True)
class Attachment:
    name: str
    file: StoredFile

    @property
    def sha256(self) -> str:
        return self.file.sha256


class Sending(StrEnum):
    FILE = "file"
    """The file itself (an image part, a PDF part, inline data or an uploaded file)."""
    TEXT = "text"
    """Its text, in the message."""


@dataclass(frozen=True, slots=True)
class Reading:
    """What one provider's model reads as files, and the most it takes of each."""

    provider: str
    images: bool
    pdfs: bool
    image_limit: int
    pdf_limit: int
    sure: bool = True
    """False where the server could not tell (a local server): images are tried, and a
    refusal is reported."""
    pdfs_as_text: bool = False
    """A PDF goes as its text without asking (a local server reads no PDFs)."""

    def limit(self, kind: FileKind) -> int:
        return self.image_limit if kind is FileKind.IMAGE else self.pdf_limit

    def reads(self, kind: FileKind) -> bool:
        return (kind is FileKind.IMAGE and self.images) or (kind is FileKind.PDF and self.pdfs)


MB = 1024 * 1024
TEXT_LIMIT = 2 * MB
_NO_PICTURES = ("gpt-3.5", "gpt-4-0", "gpt-4-32k", "o1-mini", "o1-preview", "o3-mini")
"""OpenAI models that read no images (nor PDFs, which they read as pictures)."""


def reading_for(kind: str, provider: str, model: str) -> Reading:
    """What a provider of this kind reads (`provider`: its name, as messages say it)."""
    provider = f"{model} on {provider}" if model else provider
    if kind == "gemini":  # inline up to its request limit, above it through its Files API
        return Reading(provider, True, True, MAX_FILE_BYTES, MAX_FILE_BYTES)
    if kind == "openai":
        pictures = model != "gpt-4" and not model.startswith(_NO_PICTURES)
        return Reading(provider, pictures, pictures, 20 * MB, 32 * MB)
    # a local server: pictures if its model reads them (asked where the server tells)
    return Reading(provider, True, False, 20 * MB, 0, sure=False, pdfs_as_text=True)


"""The most text of one file put into a message."""


class CannotSend(PrimerError):
    """A file the model cannot take; `as_text` says whether its text could go instead."""

    def __init__(self, message: str, *, as_text: bool) -> None:
        super().__init__(message)
        self.as_text = as_text


def how_to_send(attachment: Attachment, reading: Reading, *, as_text: bool) -> Sending:
    """FILE or TEXT for this attachment, or CannotSend naming the file, the model's
    limit or what it cannot read. `as_text`: the person chose text where a file cannot go."""
    file, name = attachment.file, attachment.name
    kind = file.kind
    if kind is FileKind.TEXT:
        if file.text is None:
            raise CannotSend(f"“{name}” is not text Primer can read.", as_text=False)
        if len(file.text.encode()) > TEXT_LIMIT:
            raise CannotSend(
                f"“{name}” holds {_size(len(file.text.encode()))} of text; a message takes at "
                f"most {_size(TEXT_LIMIT)} of a file's text.",
                as_text=False,
            )
        return Sending.TEXT
    if kind is FileKind.OTHER:
        raise CannotSend(
            f"“{name}” ({file.mime}) is a kind of file no model here reads: attach images, "
            "PDFs or text files.",
            as_text=False,
        )
    has_text = bool(file.text and file.text.strip())
    if not reading.reads(kind):
        if has_text and (as_text or (kind is FileKind.PDF and reading.pdfs_as_text)):
            return Sending.TEXT
        what = "images" if kind is FileKind.IMAGE else "PDFs"
        raise CannotSend(
            f"{reading.provider} cannot read {what}, so “{name}” cannot be sent as it is."
            + (" Its text can be sent instead." if has_text else ""),
            as_text=has_text,
        )
    if file.size > reading.limit(kind):
        if as_text and has_text:
            return Sending.TEXT
        instead = " Its text can be sent instead." if has_text else ""
        raise CannotSend(
            f"“{name}” is {_size(file.size)}; {reading.provider} takes files of up to "
            f"{_size(reading.limit(kind))}.{instead}",
            as_text=has_text,
        )
    return Sending.FILE


def _size(count: int) -> str:
    if count >= 1024 * MB:
        return f"{count / (1024 * MB):.1f} GB"
    if count >= MB:
        return f"{count / MB:.1f} MB"
    return f"{max(1, count // 1024)} KB"


def size_text(count: int) -> str:
    """A file's size as a chip shows it."""
    return _size(count) if count >= 1024 else f"{count} bytes"


def as_text(attachment: Attachment) -> str:
    """A file's text as it goes into a message: named, fenced."""
    text = attachment.file.text or ""
    fence = "````" if "```" in text else "```"
    return f"{attachment.name}:\n{fence}\n{text.rstrip()}\n{fence}"


def token_estimate(attachment: Attachment, sending: Sending) -> int:
    """About how much of the context window the file takes (images: what providers
    charge a large picture; PDFs sent as files: their text and a picture a page)."""
    if sending is Sending.TEXT or attachment.file.kind is FileKind.TEXT:
        return len(attachment.file.text or "") // 4 + 1
    if attachment.file.kind is FileKind.IMAGE:
        return 1_000
    return len(attachment.file.text or "") // 4 + 1_000
