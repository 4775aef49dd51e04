"""The real openai and google-genai SDKs against local servers that speak their formats."""

from __future__ import annotations

import json
import re
import threading
import time

import pytest

from app.providers.gemini_provider import GeminiChatProvider
from app.providers.openai_provider import OpenAIChatProvider
from app.providers.registry import ProviderRegistry
from app.providers.sdk_provider import LENGTH_NOTICE
from app.secrets import KeyringSecretStore
from app.settings import ProviderConfig, Settings
from domain.entities import Role, Usage
from domain.errors import (
    AuthenticationFailed,
    NetworkFailure,
    ProviderError,
    ProviderTimeout,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from domain.ports import CancelToken, CompletionRequest, StreamEnd, TextDelta, Turn
from tests.conftest import MemoryKeyring
from tests.support.fake_providers import (
    FIXTURES,
    FakeProviderServer,
    Reply,
    closed_port_url,
    error_json,
    fixture,
    gemini_sse,
    openai_sse,
)

REQUEST = CompletionRequest(
    "gpt-test",
    "Be brief.",
    (Turn(Role.USER, "Hi"), Turn(Role.ASSISTANT, "Hello"), Turn(Role.USER, "Tell me more")),
)


def _openai(server: FakeProviderServer) -> OpenAIChatProvider:
    return OpenAIChatProvider(label="OpenAI", api_key="sk-test", base_url=server.openai_url)


def _gemini(server: FakeProviderServer) -> GeminiChatProvider:
    return GeminiChatProvider(label="Gemini", api_key="gm-test", base_url=server.url)


def _text(events: list) -> str:
    return "".join(e.text for e in events if isinstance(e, TextDelta))


# ---------------------------------------------------------------- OpenAI
def test_openai_streams_sends_history_and_reports_usage(fake_server: FakeProviderServer) -> None:
    events = list(_openai(fake_server).stream(REQUEST, CancelToken()))
    assert _text(events) == "Hello from the fake."
    assert events[-1] == StreamEnd("stop", events[-1].usage)
    assert (events[-1].usage.input_tokens, events[-1].usage.output_tokens) == (7, 3)
    sent = fake_server.received[-1]
    assert sent.headers["authorization"] == "Bearer sk-test"
    assert sent.body["stream"] is True
    assert sent.body["messages"] == [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello"},
        {"role": "user", "content": "Tell me more"},
    ]


@pytest.mark.parametrize(
    ("status", "error", "words"),
    [
        (401, AuthenticationFailed, "rejected the API key"),
        (429, RateLimited, "rate-limiting"),
        (500, ProviderUnavailable, "server error (500)"),
        (503, ProviderUnavailable, "server error (503)"),
        (404, RequestRejected, "does not know that model"),
    ],
)
def test_openai_http_errors_become_plain_messages(
    fake_server: FakeProviderServer, status: int, error: type, words: str
) -> None:
    fake_server.queue(error_json(status, "upstream says no"))
    with pytest.raises(error, match=re.escape(words)) as caught:
        list(_openai(fake_server).stream(REQUEST, CancelToken()))
    assert "sk-test" not in caught.value.message


def test_openai_cut_stream_has_no_end_marker(fake_server: FakeProviderServer) -> None:
    fake_server.queue(Reply(body=openai_sse(["Half", " a"], finish=None, done=False), cut=True))
    events = list(_openai(fake_server).stream(REQUEST, CancelToken()))
    assert _text(events) == "Half a"
    assert not any(isinstance(e, StreamEnd) for e in events)


def test_openai_network_down_is_a_network_failure() -> None:
    provider = OpenAIChatProvider(label="Ollama", api_key=None, base_url=closed_port_url())
    with pytest.raises(NetworkFailure, match="Could not reach Ollama"):
        list(provider.stream(REQUEST, CancelToken()))


@pytest.mark.parametrize("kind", ["openai", "gemini"])
def test_a_provider_that_does_not_answer_in_time_is_a_timeout(
    fake_server: FakeProviderServer, kind: str
) -> None:
    if kind == "openai":
        fake_server.queue(Reply(body=openai_sse(["Late"]), wait=3))
        provider: OpenAIChatProvider | GeminiChatProvider = OpenAIChatProvider(
            label="OpenAI", api_key="sk-test", base_url=fake_server.openai_url, read_timeout=0.5
        )
    else:
        fake_server.queue(Reply(body=gemini_sse(["Late"]), wait=3))
        provider = GeminiChatProvider(
            label="Gemini", api_key="gm-test", base_url=fake_server.url, read_timeout=0.5
        )
    # The answer would come, after 3 s: only the 0.5 s read timeout can end this first.
    with pytest.raises(ProviderTimeout, match=f"{provider.label} did not answer in time"):
        list(provider.stream(REQUEST, CancelToken()))


def test_openai_stream_that_stalls_is_a_timeout_after_what_arrived(
    fake_server: FakeProviderServer,
) -> None:
    role, first, *rest = openai_sse(["Part one", " never"])
    fake_server.queue(Reply(body=[role + first, *rest], stall=3))
    provider = OpenAIChatProvider(
        label="OpenAI", api_key="sk-test", base_url=fake_server.openai_url, read_timeout=0.5
    )
    received: list[str] = []
    with pytest.raises(ProviderTimeout, match="did not answer in time"):
        for event in provider.stream(REQUEST, CancelToken()):
            received.append(event.text)  # the reply keeps these, marked failed, with Retry
    assert received == ["Part one"]


def test_openai_slow_stream_arrives_piece_by_piece_and_stop_ends_it(
    fake_server: FakeProviderServer,
) -> None:
    # The server holds back everything after the first five pieces until the test has
    # seen them: a client that buffered the reply would wait for the rest and time out.
    gate = threading.Event()
    body = openai_sse([f"w{i} " for i in range(40)])
    fake_server.queue(Reply(body=body, gate=gate, gate_after=6))
    cancel = CancelToken()
    received: list[str] = []
    provider = OpenAIChatProvider(
        label="OpenAI", api_key="sk-test", base_url=fake_server.openai_url, read_timeout=5
    )  # a buffering client would time out here long before the gate's 30 s
    for event in provider.stream(REQUEST, cancel):
        if isinstance(event, TextDelta):
            received.append(event.text)
        if len(received) == 5:
            assert not gate.is_set()  # streamed: these came before the rest was sent
            gate.set()
            cancel.cancel()
    assert received[:5] == ["w0 ", "w1 ", "w2 ", "w3 ", "w4 "]
    assert len(received) < 40


def test_openai_model_list_and_failure(fake_server: FakeProviderServer) -> None:
    assert _openai(fake_server).list_models() == ["gpt-test", "gpt-test-mini"]
    fake_server.model_replies.append(error_json(401, "bad key"))
    with pytest.raises(AuthenticationFailed):
        _openai(fake_server).list_models()
    fake_server.model_replies.append(Reply(body=b"<html>not json</html>", content_type="text/html"))
    with pytest.raises(ProviderError, match="could not list"):
        _openai(fake_server).list_models()


OPENAI_FIXTURES = sorted(p.name for p in (FIXTURES / "openai").glob("*.sse"))


@pytest.mark.parametrize("name", OPENAI_FIXTURES)
def test_openai_recordings_replay(fake_server: FakeProviderServer, name: str) -> None:
    raw = fixture(name).decode()
    chunks = [json.loads(line[6:]) for line in raw.splitlines() if line.startswith("data: {")]
    expected = "".join(
        (c["choices"][0]["delta"].get("content") or "")
        + (c["choices"][0]["delta"].get("refusal") or "")
        for c in chunks
        if c["choices"] and c["choices"][0]["index"] == 0
    )
    fake_server.queue(Reply(body=raw.encode()))
    events = list(_openai(fake_server).stream(REQUEST, CancelToken()))
    assert _text(events) == expected
    end = events[-1]
    assert isinstance(end, StreamEnd)
    if "max_tokens" in name:
        assert end.finish_reason == "length" and end.notice == LENGTH_NOTICE
    if "refusal" in name:
        assert end.notice == "OpenAI declined to answer."
    if "tool_call" in name:
        assert end.finish_reason in ("tool_calls", "stop")


# ---------------------------------------------------------------- Gemini
def test_gemini_streams_with_roles_system_instruction_and_usage(
    fake_server: FakeProviderServer,
) -> None:
    fake_server.queue(Reply(body=gemini_sse(["Hel", "lo"])))
    events = list(_gemini(fake_server).stream(REQUEST, CancelToken()))
    assert _text(events) == "Hello"
    assert isinstance(events[-1], StreamEnd) and events[-1].usage.output_tokens == 3
    sent = fake_server.received[-1]
    assert ":streamGenerateContent" in sent.path
    assert sent.headers["x-goog-api-key"] == "gm-test"
    assert [c["role"] for c in sent.body["contents"]] == ["user", "model", "user"]
    assert sent.body["systemInstruction"]["parts"][0]["text"] == "Be brief."


def _status_of(body: bytes) -> int:
    text = body.strip()
    return json.loads(text)["error"]["code"] if text.startswith(b"{") else 200


GEMINI_FAILURES = {
    # recording: (failure kind, words the message must contain)
    "vertexai_streaming-failure-error-mid-stream.sse": ("error", "cancelled"),
    "vertexai_streaming-failure-api-key.sse": ("auth", "rejected the API key"),
    "googleai_streaming-failure-prompt-blocked-safety.sse": ("rejected", "blocked the prompt"),
    "vertexai_streaming-failure-prompt-blocked-safety.sse": ("rejected", "blocked the prompt"),
    "vertexai_streaming-failure-prompt-blocked-safety-with-message.sse": ("rejected", "blocked"),
    "vertexai_streaming-failure-finish-reason-safety.sse": ("rejected", "safety filters"),
    "googleai_streaming-failure-recitation-no-content.sse": ("rejected", "recitation"),
    "vertexai_streaming-failure-recitation-no-content.sse": ("rejected", "recitation"),
    "vertexai_streaming-failure-unknown-finish-enum.sse": ("rejected", "FAKE_ENUM"),
    "vertexai_streaming-failure-unknown-model.sse": ("rejected", "does not know that model"),
    "vertexai_streaming-failure-http-error.sse": ("error", ""),
    "googleai_streaming-failure-image-rejected.sse": ("error", ""),
    "vertexai_streaming-failure-image-rejected.sse": ("error", ""),
    # No finish reason arrives in these: no end marker, so the reply is interrupted.
    "vertexai_streaming-failure-empty-content.sse": ("interrupted", ""),
    "vertexai_streaming-failure-invalid-json.sse": ("interrupted", ""),
    "vertexai_streaming-failure-malformed-content.sse": ("interrupted", ""),
}
GEMINI_SUCCESSES = sorted(p.name for p in (FIXTURES / "gemini").glob("*success*.sse"))


@pytest.mark.parametrize("name", GEMINI_SUCCESSES)
def test_gemini_success_recordings_replay(fake_server: FakeProviderServer, name: str) -> None:
    body = fixture(name)
    lines = [
        json.loads(line[5:]) for line in body.decode().splitlines() if line.startswith("data:")
    ]
    expected = "".join(
        part.get("text", "")
        for event in lines
        for c in event.get("candidates", [])
        for part in (c.get("content") or {}).get("parts", [])
        if not part.get("thought")
    )
    has_end = any(c.get("finishReason") for e in lines for c in e.get("candidates", []))
    fake_server.queue(Reply(body=body))
    events = list(_gemini(fake_server).stream(REQUEST, CancelToken()))
    assert _text(events) == expected
    assert (bool(events) and isinstance(events[-1], StreamEnd)) == has_end


def test_every_gemini_recording_is_covered() -> None:
    every = {p.name for p in (FIXTURES / "gemini").glob("*.sse")}
    assert every == set(GEMINI_FAILURES) | set(GEMINI_SUCCESSES)


@pytest.mark.parametrize("name", sorted(GEMINI_FAILURES))
def test_gemini_failure_recordings_replay(fake_server: FakeProviderServer, name: str) -> None:
    body = fixture(name)
    outcome, words = GEMINI_FAILURES[name]
    fake_server.queue(
        Reply(
            status=_status_of(body),
            body=body,
            content_type="application/json" if _status_of(body) != 200 else "text/event-stream",
        )
    )
    provider = _gemini(fake_server)
    if outcome == "interrupted":
        events = list(provider.stream(REQUEST, CancelToken()))
        assert not any(isinstance(e, StreamEnd) for e in events)
        return
    errors = {"auth": AuthenticationFailed, "rejected": RequestRejected}
    with pytest.raises(errors.get(outcome, ProviderError)) as caught:
        list(provider.stream(REQUEST, CancelToken()))
    assert words.lower() in caught.value.message.lower()


def test_gemini_skips_thought_parts(fake_server: FakeProviderServer) -> None:
    name = "googleai_streaming-success-thinking-reply-thought-summary.sse"
    body = fixture(name)
    events = []
    thoughts = []
    for line in body.decode().splitlines():
        if line.startswith("data: "):
            for c in json.loads(line[6:]).get("candidates", []):
                for part in c.get("content", {}).get("parts", []):
                    (thoughts if part.get("thought") else events).append(part.get("text", ""))
    assert thoughts, "the recording has thought parts"
    fake_server.queue(Reply(body=body))
    assert _text(list(_gemini(fake_server).stream(REQUEST, CancelToken()))) == "".join(events)


def test_gemini_crlf_recording_is_read(fake_server: FakeProviderServer) -> None:
    body = fixture("googleai_streaming-success-basic-reply-short.sse")
    crlf = body.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")
    fake_server.queue(Reply(body=crlf))
    events = list(_gemini(fake_server).stream(REQUEST, CancelToken()))
    assert isinstance(events[-1], StreamEnd) and _text(events)


@pytest.mark.parametrize(
    ("status", "error"),
    [(429, RateLimited), (500, ProviderUnavailable), (403, AuthenticationFailed)],
)
def test_gemini_http_errors(fake_server: FakeProviderServer, status: int, error: type) -> None:
    fake_server.queue(error_json(status, "no"))
    with pytest.raises(error):
        list(_gemini(fake_server).stream(REQUEST, CancelToken()))


def test_gemini_cut_stream_is_not_complete(fake_server: FakeProviderServer) -> None:
    fake_server.queue(Reply(body=gemini_sse(["a", "b"], finish=None), cut=True))
    events = list(_gemini(fake_server).stream(REQUEST, CancelToken()))
    assert _text(events) == "ab" and not isinstance(events[-1], StreamEnd)


def test_gemini_model_list(fake_server: FakeProviderServer) -> None:
    assert _gemini(fake_server).list_models() == ["gemini-test", "gemini-test-pro"]


def test_gemini_without_key_says_how_to_add_one(fake_server: FakeProviderServer) -> None:
    provider = GeminiChatProvider(label="Gemini", api_key=None, base_url=fake_server.url)
    with pytest.raises(AuthenticationFailed, match="GEMINI_API_KEY"):
        list(provider.stream(REQUEST, CancelToken()))


def test_a_stream_from_another_thread_can_be_stopped(fake_server: FakeProviderServer) -> None:
    fake_server.queue(Reply(body=openai_sse(["x"] * 100), delay=0.02))
    cancel = CancelToken()
    got: list[str] = []
    worker = threading.Thread(
        target=lambda: got.extend(_text([e]) for e in _openai(fake_server).stream(REQUEST, cancel))
    )
    worker.start()
    time.sleep(0.3)
    cancel.cancel()
    worker.join(timeout=5)
    assert not worker.is_alive()
    assert 0 < len(got) < 100


# ---------------------------------------------------------------- the registry
def test_a_provider_is_made_once_until_its_key_changes(
    fake_server: FakeProviderServer, memory_keyring: MemoryKeyring
) -> None:
    """Sends reuse one SDK client (its SSL context and connections); a new key is used
    from the next send on."""
    settings = Settings().with_provider(
        ProviderConfig("openai", "openai", fake_server.openai_url, "gpt-test")
    )
    secrets = KeyringSecretStore()
    secrets.set("openai", "sk-first")
    registry = ProviderRegistry(settings, secrets)
    first = registry.resolve("openai")
    assert registry.resolve("openai") is first
    list(registry.resolve("openai").stream(REQUEST, CancelToken()))
    assert fake_server.last_chat_request().headers["authorization"] == "Bearer sk-first"

    secrets.set("openai", "sk-second")
    second = registry.resolve("openai")
    assert second is not first
    list(second.stream(REQUEST, CancelToken()))
    assert fake_server.last_chat_request().headers["authorization"] == "Bearer sk-second"

    registry.settings = settings.with_provider(
        ProviderConfig("openai", "openai", closed_port_url(), "gpt-test")
    )
    with pytest.raises(NetworkFailure):  # the new URL is used: nothing listens there
        list(registry.resolve("openai").stream(REQUEST, CancelToken()))


def test_openai_usage_with_its_reasoning_and_cached_details(
    fake_server: FakeProviderServer,
) -> None:
    fake_server.queue(Reply(body=openai_sse(["Hi"], usage=(900, 300), reasoning=120, cached=512)))
    end = list(_openai(fake_server).stream(REQUEST, CancelToken()))[-1]
    assert isinstance(end, StreamEnd)
    assert end.usage == Usage(900, 300, reasoning_tokens=120, cached_tokens=512)


def test_gemini_output_counts_the_thinking_as_openai_does(fake_server: FakeProviderServer) -> None:
    """The recorded reply: 10 prompt tokens, 48 of answer and 540 of thinking."""
    body = fixture("googleai_streaming-success-thinking-reply-thought-summary.sse")
    fake_server.queue(Reply(body=body))
    end = list(_gemini(fake_server).stream(REQUEST, CancelToken()))[-1]
    assert isinstance(end, StreamEnd)
    assert end.usage == Usage(10, 48 + 540, reasoning_tokens=540)
