"""OpenAI and every OpenAI-compatible server (Ollama, LM Studio, llama.cpp, vLLM)."""

from __future__ import annotations

import base64
import json
import urllib.request
from collections.abc import Iterator, Sequence
from typing import Any

from app.providers import failures
from app.providers.sdk_provider import CONNECT_TIMEOUT, LENGTH_NOTICE, SdkProvider, file_bytes
from domain.attachments import FileKind, Sending, as_text
from domain.entities import Role, Usage
from domain.errors import ProviderError
from domain.ports import (
    CancelToken,
    CompletionRequest,
    StreamEnd,
    StreamEvent,
    TextDelta,
    Turn,
)


class OpenAIChatProvider(SdkProvider):
    def __init__(self, *, local: bool = False, **settings: Any) -> None:
        """`local`: an OpenAI-compatible server (Ollama, LM Studio, …), not OpenAI."""
        super().__init__(**settings)
        self._local = local
        self._reads_pictures: dict[str, bool | None] = {}

    def _make_client(self) -> Any:
        import openai

        return openai.OpenAI(
            # Local servers need no key; the SDK insists on one.
            api_key=self._api_key or "not-needed",
            base_url=self._base_url or None,
            max_retries=0,
            timeout=openai.Timeout(self._read_timeout, connect=CONNECT_TIMEOUT),
        )

    def stream(self, request: CompletionRequest, cancel: CancelToken) -> Iterator[StreamEvent]:
        messages: list[dict[str, Any]] = []
        if request.system_prompt:
            messages.append({"role": "system", "content": request.system_prompt})
        if self._local:
            self._check_pictures(request)
        messages += [_message(turn) for turn in request.turns]
        finish: str | None = None
        usage = Usage()
        refused = False
        started = False
        try:
            stream = self._client().chat.completions.create(
                model=request.model,
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
            )
            with stream:
                for chunk in stream:
                    started = True
                    if cancel.cancelled:
                        return
                    if chunk.usage is not None:
                        usage = _usage(chunk.usage)
                    for choice in chunk.choices:
                        if choice.index != 0:
                            continue
                        delta = choice.delta
                        if delta is not None and delta.content:
                            yield TextDelta(delta.content)
                        if delta is not None and getattr(delta, "refusal", None):
                            refused = True
                            yield TextDelta(delta.refusal)
                        if choice.finish_reason:
                            finish = choice.finish_reason
        except Exception as error:
            mapped = self._known_failure(error)
            if mapped is None:
                raise  # a bug, not a provider failure: let the crash report show it
            if started and mapped.kind == "network":
                return  # cut mid-stream: no end marker, so the reply counts as interrupted
            if self._local and mapped.kind == "rejected" and _pictures(request):
                raise failures.RequestRejected(
                    f"{request.model} on {self.label} refused the message with its picture(s), "
                    f"so it may not read pictures. Remove them, or choose a model that reads "
                    f"them. ({mapped.message})"
                ) from None
            raise mapped from None
        if finish is None:
            return
        if finish == "content_filter":
            raise failures.RequestRejected(
                f"{self.label} stopped the reply with its content filter."
            )
        notice = LENGTH_NOTICE if finish == "length" else None
        if refused:
            notice = f"{self.label} declined to answer."
        yield StreamEnd(finish, usage, notice)

    def _check_pictures(self, request: CompletionRequest) -> None:
        """Ask a local server whether its model reads pictures before sending one (Ollama
        tells; a server that cannot tell is tried, and its refusal reported)."""
        pictures = _pictures(request)
        if not pictures:
            return
        if self.reads_pictures(request.model) is False:
            raise failures.RequestRejected(
                f"{request.model} on {self.label} cannot read pictures, so “{pictures[0]}” "
                "was not sent. Choose a model that reads them (a vision model), or remove "
                "the picture."
            )

    def reads_pictures(self, model: str) -> bool | None:
        """Whether a local server's model reads pictures, as Ollama's /api/show tells
        (asked once a model); None where the server cannot tell."""
        if model not in self._reads_pictures:
            self._reads_pictures[model] = self._ask_pictures(model)
        return self._reads_pictures[model]

    def _ask_pictures(self, model: str) -> bool | None:
        root = (self._base_url or "").rstrip("/").removesuffix("/v1")
        asking = urllib.request.Request(
            f"{root}/api/show",
            data=json.dumps({"model": model}).encode(),
            headers={"content-type": "application/json"},
        )
        try:
            with urllib.request.urlopen(asking, timeout=5) as answer:
                capabilities = json.load(answer).get("capabilities")
        except (OSError, ValueError, AttributeError):  # not Ollama, or not answering
            return None
        return "vision" in capabilities if isinstance(capabilities, list) else None

    def embed(self, texts: Sequence[str], model: str, dimensions: int) -> list[list[float]]:
        """`/v1/embeddings`; OpenAI's text-embedding-3 models are asked for `dimensions`
        (other servers' models give theirs: the caller cuts them)."""
        try:
            extra = {"dimensions": dimensions} if model.startswith("text-embedding-3") else {}
            answer = self._client().embeddings.create(model=model, input=list(texts), **extra)
            return [list(item.embedding) for item in sorted(answer.data, key=lambda d: d.index)]
        except Exception as error:
            raise failures.embedding_failed(self.label, error, self._known_failure(error)) from None

    def list_models(self) -> list[str]:
        try:
            return sorted(model.id for model in self._client().models.list())
        except Exception as error:
            raise failures.listing_failed(self.label, error, self._known_failure(error)) from None

    def _known_failure(self, error: Exception) -> ProviderError | None:
        import openai

        if isinstance(error, ProviderError):
            return error
        if isinstance(error, openai.APITimeoutError):
            return failures.timeout(self.label)
        if isinstance(error, openai.APIConnectionError):
            return failures.network(self.label, self._base_url)
        if isinstance(error, openai.APIStatusError):
            return failures.from_status(error.status_code, self.label, _detail(error))
        if isinstance(error, openai.APIError):
            return failures.from_status(None, self.label, failures.short(error.message))
        if _is_transport_error(error):
            return failures.network(self.label, self._base_url)
        return None


def _pictures(request: CompletionRequest) -> list[str]:
    """The names of the pictures the request sends as pictures."""
    return [
        sent.attachment.name
        for turn in request.turns
        for sent in turn.files
        if sent.sending is Sending.FILE and sent.attachment.file.kind is FileKind.IMAGE
    ]


def _message(turn: Turn) -> dict[str, Any]:
    """A turn in the SDK's terms: its files as image and file parts, or as text."""
    role = "assistant" if turn.role is Role.ASSISTANT else "user"
    if not turn.files or role == "assistant":
        return {"role": role, "content": turn.content}
    texts = [as_text(f.attachment) for f in turn.files if f.sending is Sending.TEXT]
    words = "\n\n".join([*texts, turn.content]).strip()
    parts: list[dict[str, Any]] = [{"type": "text", "text": words}] if words else []
    for sent in turn.files:
        if sent.sending is not Sending.FILE:
            continue
        file = sent.attachment.file
        data = base64.b64encode(file_bytes(sent)).decode("ascii")
        url = f"data:{file.mime};base64,{data}"
        if file.kind is FileKind.IMAGE:
            parts.append({"type": "image_url", "image_url": {"url": url}})
        else:
            parts.append(
                {"type": "file", "file": {"filename": sent.attachment.name, "file_data": url}}
            )
    return {"role": role, "content": parts}


def _detail(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return failures.short(inner["message"])
    return ""


def _is_transport_error(error: Exception) -> bool:
    module = type(error).__module__.split(".")[0]
    return module in {"httpx", "httpx2", "httpcore", "h11"} or isinstance(error, OSError)


def _usage(reported: Any) -> Usage:
    """The reasoning and cached tokens come in their details, when the server gives them."""
    output_details = getattr(reported, "completion_tokens_details", None)
    input_details = getattr(reported, "prompt_tokens_details", None)
    return Usage(
        reported.prompt_tokens,
        reported.completion_tokens,
        getattr(output_details, "reasoning_tokens", None),
        getattr(input_details, "cached_tokens", None),
    )
