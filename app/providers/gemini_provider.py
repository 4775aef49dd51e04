"""Google Gemini through the google-genai SDK."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

from app.providers import failures
from app.providers.sdk_provider import LENGTH_NOTICE, SdkProvider
from domain.entities import Role, Usage
from domain.errors import ProviderError, RequestRejected
from domain.ports import CancelToken, CompletionRequest, StreamEnd, StreamEvent, TextDelta

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


def _name(value: object) -> str:
    return str(getattr(value, "name", value) or "")


class GeminiChatProvider(SdkProvider):
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

        contents = [
            types.Content(
                role="model" if t.role is Role.ASSISTANT else "user",
                parts=[types.Part(text=t.content)],
            )
            for t in request.turns
        ]
        config = types.GenerateContentConfig(system_instruction=request.system_prompt or None)
        finish: str | None = None
        usage = Usage()
        started = False
        try:
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
                    usage = Usage(
                        chunk.usage_metadata.prompt_token_count,
                        chunk.usage_metadata.candidates_token_count,
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
