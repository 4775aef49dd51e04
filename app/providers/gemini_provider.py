"""Google Gemini through the google-genai SDK."""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from app.providers import failures
from app.providers.sdk_provider import LENGTH_NOTICE, SdkProvider, file_bytes
from app.providers.uploads import Uploads, fingerprint
from domain.attachments import MB, Sending, as_text
from domain.clock import utc_now
from domain.entities import Role, Usage
from domain.errors import ProviderError, RequestRejected
from domain.ports import (
    CancelToken,
    CompletionRequest,
    SentFile,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Turn,
)

# The SDK warns on enum values newer than itself; Primer treats them as unknown, not as news.
warnings.filterwarnings("ignore", category=UserWarning, module=r"google\.genai\._common")

_COMPLETE_REASONS = {"STOP", "MAX_TOKENS", "FINISH_REASON_UNSPECIFIED"}
_BLOCK_WORDS = {
    "SAFETY": "its safety filters",
    "RECITATION": "its recitation check (the reply quoted protected text)",
    "BLOCKLIST": "a blocked-terms list",
    "PROHIBITED_CONTENT": "its prohibited-content policy",
    "SPII": "its personal-information filter",
    "IMAGE_SAFETY": "its image safety filters",
}


INLINE_BYTES = 14 * MB
"""Files of a request sent inline, at most: Gemini takes requests of up to 20 MB, and
inline data grows by a third in base64. Larger files go through its Files API."""
UPLOAD_LIFETIME = timedelta(hours=48)
RENEW_BEFORE = timedelta(hours=1)
"""An uploaded file is uploaded again when less than this is left of its 48 hours."""


def _name(value: object) -> str:
    return str(getattr(value, "name", value) or "")


class GeminiChatProvider(SdkProvider):
    def __init__(
        self,
        *,
        clock: Callable[[], datetime] = utc_now,
        uploads: Uploads | None = None,
        **settings: Any,
    ) -> None:
        super().__init__(**settings)
        self._clock = clock
        self._uploads = uploads or Uploads()
        self._owner = fingerprint(self._api_key, self._base_url)
        self._uploading = threading.Lock()

    def _make_client(self) -> Any:
        from google import genai
        from google.genai import types

        if not self._api_key:
            raise failures.AuthenticationFailed(
                f"No API key for {self.label}. Add one in Settings → Providers "
                "or set GEMINI_API_KEY."
            )
        options = types.HttpOptions(
            base_url=self._base_url or None, timeout=int(self._read_timeout * 1000)
        )
        return genai.Client(api_key=self._api_key, http_options=options)

    def stream(self, request: CompletionRequest, cancel: CancelToken) -> Iterator[StreamEvent]:
        from google.genai import types

        config = types.GenerateContentConfig(system_instruction=request.system_prompt or None)
        finish: str | None = None
        usage = Usage()
        started = False
        try:
            inline = _inline(request)
            contents = [
                types.Content(
                    role="model" if turn.role is Role.ASSISTANT else "user",
                    parts=self._parts(turn, inline, cancel),
                )
                for turn in request.turns
            ]
            chunks = self._client().models.generate_content_stream(
                model=request.model, contents=contents, config=config
            )
            for chunk in chunks:
                started = True
                if cancel.cancelled:
                    return
                feedback = chunk.prompt_feedback
                if feedback is not None and feedback.block_reason:
                    why = feedback.block_reason_message or _name(feedback.block_reason)
                    raise RequestRejected(f"{self.label} blocked the prompt ({why}).")
                if chunk.usage_metadata is not None:
                    reported = chunk.usage_metadata
                    thoughts = reported.thoughts_token_count
                    answer = reported.candidates_token_count
                    usage = Usage(  # output counts the thinking too, as OpenAI's does
                        reported.prompt_token_count,
                        answer + (thoughts or 0) if answer is not None else thoughts,
                        thoughts,
                        reported.cached_content_token_count,
                    )
                candidate = chunk.candidates[0] if chunk.candidates else None
                if candidate is None:
                    continue
                if candidate.content is not None:
                    for part in candidate.content.parts or []:
                        if part.text and not part.thought:
                            yield TextDelta(part.text)
                if candidate.finish_reason:
                    finish = _name(candidate.finish_reason)
        except Exception as error:
            mapped = self._known_failure(error)
            if mapped is None:
                raise  # a bug, not a provider failure: let the crash report show it
            if started and mapped.kind == "network":
                return
            raise mapped from None
        if finish is None:
            return
        if finish not in _COMPLETE_REASONS:
            what = _BLOCK_WORDS.get(finish, f"an unexpected stop ({finish})")
            raise RequestRejected(f"{self.label} stopped the reply because of {what}.")
        notice = LENGTH_NOTICE if finish == "MAX_TOKENS" else None
        yield StreamEnd(finish.lower(), usage, notice)

    def _parts(self, turn: Turn, inline: set[str], cancel: CancelToken) -> list[Any]:
        from google.genai import types

        texts = [as_text(f.attachment) for f in turn.files if f.sending is Sending.TEXT]
        words = "\n\n".join([*texts, turn.content]).strip()
        parts = [types.Part(text=words)] if words or not turn.files else []
        for sent in turn.files:
            if sent.sending is not Sending.FILE:
                continue
            mime = sent.attachment.file.mime
            if sent.attachment.sha256 in inline:
                parts.append(types.Part.from_bytes(data=file_bytes(sent), mime_type=mime))
            else:
                parts.append(types.Part.from_uri(file_uri=self._uploaded(sent, cancel),
                                                 mime_type=mime))  # fmt: skip
        return parts

    def _uploaded(self, sent: SentFile, cancel: CancelToken) -> str:
        """The file's URI in Gemini's Files API: uploaded once, and again when its 48 hours
        are nearly over."""
        from google.genai import types

        sha256 = sent.attachment.sha256
        with self._uploading:
            known = self._uploads.get(self._owner, sha256)
            if known is not None and known[1] - self._clock() > RENEW_BEFORE:
                return known[0]
            upload = types.UploadFileConfig(
                mime_type=sent.attachment.file.mime, display_name=sent.attachment.name
            )
            made = self._client().files.upload(file=sent.path, config=upload)
            while _name(made.state) == "PROCESSING" and not cancel.cancelled:
                time.sleep(0.5)
                made = self._client().files.get(name=made.name)
            if _name(made.state) == "FAILED":
                raise RequestRejected(
                    f"{self.label} could not take “{sent.attachment.name}” (its Files API "
                    "failed to process it)."
                )
            expires = made.expiration_time or self._clock() + UPLOAD_LIFETIME
            self._uploads.put(self._owner, sha256, str(made.uri), expires, self._clock())
            return str(made.uri)

    def embed(self, texts: Sequence[str], model: str, dimensions: int) -> list[list[float]]:
        """`embedContent`, asked for `dimensions` values a text."""
        from google.genai import types

        try:
            answer = self._client().models.embed_content(
                model=model,
                contents=list(texts),
                config=types.EmbedContentConfig(output_dimensionality=dimensions),
            )
            return [list(item.values or []) for item in answer.embeddings or []]
        except Exception as error:
            raise failures.embedding_failed(self.label, error, self._known_failure(error)) from None

    def list_models(self) -> list[str]:
        try:
            names = []
            for model in self._client().models.list():
                actions = model.supported_actions or ["generateContent"]
                if "generateContent" in actions and model.name:
                    names.append(model.name.removeprefix("models/"))
            return sorted(names)
        except Exception as error:
            raise failures.listing_failed(self.label, error, self._known_failure(error)) from None

    def _known_failure(self, error: Exception) -> ProviderError | None:
        from google.genai import errors

        if isinstance(error, ProviderError):
            return error
        if isinstance(error, errors.APIError):
            detail = failures.short(error.message or error.status or "")
            if error.code == 400 and "API key" in detail:  # Gemini answers a bad key with 400
                return failures.from_status(401, self.label, detail)
            return failures.from_status(error.code, self.label, detail)
        name = type(error).__name__
        if "Timeout" in name:
            return failures.timeout(self.label)
        module = type(error).__module__.split(".")[0]
        if module in {"httpx", "httpx2", "httpcore", "h11", "requests"} or isinstance(
            error, OSError
        ):
            return failures.network(self.label, self._base_url)
        if isinstance(error, ValueError) and "JSON" in str(error):
            return failures.from_status(None, self.label, "it sent a reply Primer could not read")
        return None


def _inline(request: CompletionRequest) -> set[str]:
    """The files sent inline (the smallest first, up to INLINE_BYTES in all); the
    others are uploaded."""
    files = {f.attachment.sha256: f.attachment.file.size for t in request.turns
             for f in t.files if f.sending is Sending.FILE}  # fmt: skip
    inline: set[str] = set()
    total = 0
    for sha256, size in sorted(files.items(), key=lambda item: item[1]):
        if total + size > INLINE_BYTES:
            break
        inline.add(sha256)
        total += size
    return inline
