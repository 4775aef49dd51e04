"""Write an export to files: JSON in one file, Markdown in one file or a folder with a
file per chat, HTML in one file that opens in any browser with code highlighted. Each
file is written beside its place and moved in whole: a failed export leaves no half file."""

from __future__ import annotations

import html
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from enum import StrEnum
from pathlib import Path
from typing import TextIO

from domain.clock import utc_now
from domain.entities import MessageStatus
from domain.errors import PrimerError
from domain.export import (
    INTERRUPTED,
    WholeChat,
    about,
    attached,
    chat_json,
    document_head,
    file_name,
    files_folder,
    local_time,
    markdown,
    other_versions,
    speaker,
)

Load = Callable[[str], WholeChat]
CopyFile = Callable[[str, str], object]
"""(SHA-256, target path): an attached file's bytes copied out (SaveAttachment's store)."""


class ExportFormat(StrEnum):
    MARKDOWN = "md"
    JSON = "json"
    HTML = "html"


def one_file_per_chat(out: Path, export_format: ExportFormat) -> bool:
    """Markdown to a folder (one that exists, or a name without a suffix)."""
    return export_format is ExportFormat.MARKDOWN and (out.is_dir() or not out.suffix)


def write_export(
    load: Load,
    chat_ids: Sequence[str],
    export_format: ExportFormat,
    out: Path,
    *,
    force: bool = False,
    copy_file: CopyFile | None = None,
) -> list[Path]:
    """Write the chats, loaded one at a time; the files written. An existing file is
    replaced only with `force`. `copy_file`: a JSON export's attached files are copied
    beside it (`all.json` -> `all.files/<sha256>`), so that it re-imports whole."""
    carried: dict[str, str] = {}

    def loaded() -> Iterator[WholeChat]:
        for chat_id in chat_ids:
            whole = load(chat_id)
            carried.update((a.sha256, a.name) for m in whole.messages for a in m.attachments)
            yield whole

    if one_file_per_chat(out, export_format):
        _make_folder(out)
        written = []
        for whole in loaded():
            path = out / file_name(whole.chat, "md")
            with _replacing(path, force) as stream:
                stream.write(markdown(whole))
            written.append(path)
        return written
    with _replacing(out, force) as stream:
        if export_format is ExportFormat.JSON:
            _write_json(loaded(), stream)
            if carried and copy_file is not None:
                return [out, _copy_files(carried, Path(files_folder(str(out))), copy_file)]
        elif export_format is ExportFormat.HTML:
            _write_html(loaded(), stream)
        else:
            stream.write("\n\n".join(markdown(whole) for whole in loaded()))
    return [out]


def _copy_files(carried: dict[str, str], folder: Path, copy_file: CopyFile) -> Path:
    """The files, copied into a folder made beside its place and moved in whole (with the
    JSON it belongs to: a failure leaves neither). A file no longer on this device is left
    out: the JSON still names it."""
    staging = Path(tempfile.mkdtemp(prefix=".primer-export-files-", dir=folder.parent))
    try:
        for sha256, name in carried.items():
            try:
                copy_file(sha256, str(staging / sha256))
            except FileNotFoundError:
                continue  # (gone from this device: named in the JSON, its bytes not here)
            except OSError as error:
                raise PrimerError(f"Could not copy “{name}”: {error.strerror}.") from None
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return folder


def _make_folder(out: Path) -> None:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise PrimerError(f"Could not make the folder {out}: {error.strerror}.") from None


@contextmanager
def _replacing(path: Path, force: bool) -> Iterator[TextIO]:
    if path.exists() and not force:
        raise PrimerError(f"{path} exists already: choose another name, or replace it (--force).")
    folder = path.parent
    try:
        handle, temporary = tempfile.mkstemp(prefix=".primer-export-", dir=folder)
    except OSError as error:
        raise PrimerError(f"Could not write in {folder}: {error.strerror}.") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            yield stream
        os.replace(temporary, path)
    except OSError as error:
        raise PrimerError(f"Could not write {path}: {error.strerror}.") from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)


def _write_json(chats: Iterator[WholeChat], stream: TextIO) -> None:
    """The top level, then the chats one by one: memory holds one chat, not the export."""
    head = json.dumps(document_head(utc_now()), ensure_ascii=False)
    stream.write(head[:-1] + ', "chats": [')
    for number, whole in enumerate(chats):
        stream.write(",\n" if number else "\n")
        stream.write(json.dumps(chat_json(whole), ensure_ascii=False))
    stream.write("\n]}\n")


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="Primer">
<title>{title}</title>
<style>
body {{ font: 16px/1.55 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1f2328;
       background: #f6f7f9; margin: 0; }}
main {{ max-width: 52rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }}
section.chat {{ margin-bottom: 3rem; }}
h1 {{ font-size: 1.6rem; margin: 0 0 .25rem; }}
.about {{ color: #59636e; margin: 0 0 1.5rem; }}
.message {{ background: #fff; border: 1px solid #d9dce1; border-radius: 12px;
            padding: .75rem 1rem; margin: .75rem 0; }}
.message.user {{ background: #eaf2ff; border-color: #c9dbf7; margin-left: 3rem; }}
.who {{ font-weight: 600; font-size: .9rem; }} .when {{ color: #59636e; font-size: .85rem; }}
.problem {{ color: #b42318; font-style: italic; }}
pre {{ background: #f4f5f7; border: 1px solid #d9dce1; border-radius: 8px; padding: .75rem;
       overflow-x: auto; font-size: .9rem; }}
code {{ font-family: ui-monospace, "Cascadia Code", Menlo, monospace; }}
table {{ border-collapse: collapse; }} td, th {{ border: 1px solid #d9dce1; padding: .3rem .6rem; }}
blockquote {{ border-left: 3px solid #d9dce1; margin-left: 0; padding-left: 1rem; color: #424a53; }}
@media (prefers-color-scheme: dark) {{
  body {{ background: #17181b; color: #e6e7ea; }} .about, .when {{ color: #9aa0a6; }}
  .message {{ background: #202226; border-color: #34373d; }}
  .message.user {{ background: #1d2a3d; border-color: #2b3f5c; }}
  pre {{ background: #f4f5f7; color: #1f2328; }}
}}
</style></head>
<body><main>
"""


def _write_html(chats: Iterator[WholeChat], stream: TextIO) -> None:
    from markdown_it import MarkdownIt

    # html=False: a message's text can never put markup into the page.
    parser = MarkdownIt("commonmark", {"html": False, "highlight": _highlight}).enable(
        ["table", "strikethrough"]
    )
    stream.write(_PAGE.format(title="Chats exported from Primer"))
    for whole in chats:
        chat = whole.chat
        stream.write(f'<section class="chat"><h1>{html.escape(chat.title)}</h1>\n')
        stream.write(f'<p class="about">{html.escape(about(chat))}</p>\n')
        if chat.system_prompt:
            stream.write(f'<blockquote class="system"><b>System prompt:</b> '
                         f"{html.escape(chat.system_prompt)}</blockquote>\n")  # fmt: skip
        for message in whole.shown:
            stream.write(
                f'<div class="message {html.escape(message.role.value)}">'
                f'<span class="who">{html.escape(speaker(message))}</span> '
                f'<span class="when">{local_time(message.created_at)}</span>\n'
                + "".join(f'<p class="about">{html.escape(line)}</p>' for line in attached(message))
                + parser.render(message.content)
            )
            if message.status is MessageStatus.ERROR and message.error:
                stream.write(f'<p class="problem">{html.escape(message.error)}</p>')
            elif message.status is MessageStatus.INTERRUPTED:
                stream.write(f'<p class="problem">{INTERRUPTED}</p>')
            stream.write("</div>\n")
        if note := other_versions(whole):
            stream.write(f'<p class="about">{html.escape(note)}</p>\n')
        stream.write("</section>\n")
    stream.write("</main></body></html>\n")


def _highlight(code: str, language: str, _attributes: object) -> str:
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import TextLexer, get_lexer_by_name
    from pygments.util import ClassNotFound

    try:
        lexer = get_lexer_by_name(language) if language else TextLexer()
    except ClassNotFound:
        lexer = TextLexer()
    # Starting with <pre, it is used as it is (markdown-it wraps anything else again).
    colored = highlight(code, lexer, HtmlFormatter(noclasses=True, nowrap=True, style="friendly"))
    return f"<pre><code>{colored}</code></pre>"
