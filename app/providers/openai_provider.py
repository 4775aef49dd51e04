"""OpenAI and every OpenAI-compatible server (Ollama, LM Studio, llama.cpp, vLLM)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from app.providers import failures
from app.providers.sdk_provider import CONNECT_TIMEOUT, LENGTH_NOTICE, SdkProvider
from domain.entities import Role, Usage
from domain.errors import ProviderError
from domain.ports import CancelToken, CompletionRequest, StreamEnd, StreamEvent, TextDelta


class OpenAIChatProvider(SdkProvider):
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
        messages: list[dict[str, str]] = []
        if request.system_prompt:
            messages.append({"role": "system", "content": request.system_prompt})
        messages += [
            {"role": "assistant" if t.role is Role.ASSISTANT else "user", "content": t.content}
            for t in request.turns
        ]
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
                        usage = Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
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
