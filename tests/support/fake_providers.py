"""Small HTTP servers on 127.0.0.1 that speak OpenAI's and Gemini's wire formats.

Each request takes the next queued `Reply` (or the server's default) and the server
records what it was sent, so tests can drive the real SDKs through every case.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from devtools.fake_embeddings import fake_vector

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "provider-streams"


@dataclass
class Reply:
    status: int = 200
    body: bytes | list[bytes] = b""
    content_type: str = "text/event-stream"
    delay: float = 0.0  # seconds between stream pieces
    wait: float = 0.0  # seconds before answering at all
    stall: float = 0.0  # seconds of silence after the first piece
    cut: bool = False  # drop the connection after the pieces, mid-stream
    gate: threading.Event | None = None  # after the first pieces, hold the rest until set
    gate_after: int = 1
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: Any


def openai_sse(
    pieces: list[str],
    *,
    finish: str | None = "stop",
    usage: tuple[int, int] | None = (7, 3),
    done: bool = True,
    model: str = "gpt-test",
    reasoning: int | None = None,
    cached: int | None = None,
) -> list[bytes]:
    """`reasoning`, `cached`: the usage's details, as OpenAI's reasoning models send them."""

    def chunk(delta: dict[str, Any], reason: str | None) -> bytes:
        data = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": reason}],
        }
        return f"data: {json.dumps(data)}\n\n".encode()

    out = [chunk({"role": "assistant", "content": ""}, None)]
    out += [chunk({"content": p}, None) for p in pieces]
    if finish is not None:
        out.append(chunk({}, finish))
    if usage is not None and finish is not None:
        data = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1,
            "model": model,
            "choices": [],
            "usage": {
                "prompt_tokens": usage[0],
                "completion_tokens": usage[1],
                "total_tokens": sum(usage),
            },
        }
        if reasoning is not None:
            data["usage"]["completion_tokens_details"] = {"reasoning_tokens": reasoning}
        if cached is not None:
            data["usage"]["prompt_tokens_details"] = {"cached_tokens": cached}
        out.append(f"data: {json.dumps(data)}\n\n".encode())
    if done:
        out.append(b"data: [DONE]\n\n")
    return out


def gemini_sse(
    pieces: list[str], *, finish: str | None = "STOP", usage: tuple[int, int] = (7, 3)
) -> list[bytes]:
    out = []
    for index, piece in enumerate(pieces):
        candidate: dict[str, Any] = {
            "content": {"parts": [{"text": piece}], "role": "model"},
            "index": 0,
        }
        last = index == len(pieces) - 1
        event: dict[str, Any] = {"candidates": [candidate]}
        if last and finish is not None:
            candidate["finishReason"] = finish
            event["usageMetadata"] = {
                "promptTokenCount": usage[0],
                "candidatesTokenCount": usage[1],
                "totalTokenCount": sum(usage),
            }
        out.append(f"data: {json.dumps(event)}\r\n\r\n".encode())
    return out


def error_json(status: int, message: str, kind: str = "error") -> Reply:
    body = {"error": {"message": message, "type": kind, "code": status, "status": kind}}
    return Reply(status=status, body=json.dumps(body).encode(), content_type="application/json")


def fixture(name: str) -> bytes:
    return next(FIXTURES.rglob(name)).read_bytes()


class FakeProviderServer:
    """Serves /v1/chat/completions, /v1/models (OpenAI) and Gemini's models endpoints."""

    def __init__(self) -> None:
        self.replies: deque[Reply] = deque()
        self.model_replies: deque[Reply] = deque()  # for GET .../models only
        self.default: Reply = Reply(body=openai_sse(["Hello", " from", " the fake."]))
        self.received: list[Received] = []
        self.models = ["gpt-test", "gpt-test-mini"]
        self.gemini_default: Reply = Reply(body=gemini_sse(["Hello", " from Gemini."]))
        self.uploads: list[dict[str, Any]] = []
        """Files uploaded to Gemini's Files API: display name, MIME type, size."""
        self.upload_lifetime = "2026-12-02T10:00:00Z"
        self.ollama_capabilities: list[str] | None = None
        self.embeddings_gate: threading.Event | None = None
        """OpenAI-style embeddings requests wait for it to be set."""
        self.embeddings_error: Reply | None = None
        """The answer to every OpenAI-style embeddings request instead of vectors."""
        """What /api/show says a model can do (None: the route is not there)."""
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args: object) -> None:
                pass

            def _record(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b""
                try:
                    body: Any = json.loads(raw) if raw else None
                except ValueError:
                    body = raw
                server.received.append(
                    Received(
                        self.command,
                        self.path,
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )

            def do_GET(self) -> None:
                self._record()
                if server.model_replies and self.path.split("?")[0].endswith("/models"):
                    self._send(server.model_replies.popleft())
                elif "x-goog-api-key" in {k.lower() for k in self.headers}:
                    models = [
                        {"name": f"models/{m}", "supportedActions": ["generateContent"]}
                        for m in ("gemini-test", "gemini-test-pro")
                    ]
                    self._json({"models": models})
                elif self.path.endswith("/models"):
                    self._json(
                        {
                            "object": "list",
                            "data": [
                                {"id": m, "object": "model", "created": 1, "owned_by": "test"}
                                for m in server.models
                            ],
                        }
                    )
                else:
                    self._send(error_json(404, "not found"))

            def do_POST(self) -> None:
                self._record()
                body = server.received[-1].body
                if self.path.startswith("/upload/"):  # Gemini's Files API: start an upload
                    start = body.get("file", {}) if isinstance(body, dict) else {}
                    number = len(server.uploads)
                    server.uploads.append({**start, "received": 0})
                    url = f"{server.url}/upload-session/{number}"
                    self._send(Reply(body=b"{}", content_type="application/json",
                                     headers={"x-goog-upload-url": url}))  # fmt: skip
                    return
                if self.path.startswith("/upload-session/"):
                    number = int(self.path.rsplit("/", 1)[1])
                    upload = server.uploads[number]
                    upload["received"] += len(body) if isinstance(body, bytes) else len(
                        json.dumps(body).encode()) if body is not None else 0  # fmt: skip
                    command = self.headers.get("x-goog-upload-command", "")
                    if "finalize" not in command:
                        self._send(Reply(body=b"", headers={"x-goog-upload-status": "active"}))
                        return
                    made = {"name": f"files/up{number}", "uri": f"{server.url}/files/up{number}",
                            "mimeType": upload.get("mimeType"), "state": "ACTIVE",
                            "expirationTime": server.upload_lifetime}  # fmt: skip
                    self._send(Reply(body=json.dumps({"file": made}).encode(),
                                     content_type="application/json",
                                     headers={"x-goog-upload-status": "final"}))  # fmt: skip
                    return
                if self.path.endswith("/embeddings") and isinstance(body, dict):
                    if server.embeddings_gate is not None:
                        server.embeddings_gate.wait(30)
                    if server.embeddings_error is not None:
                        self._send(server.embeddings_error)
                        return
                    texts = body.get("input") or []
                    texts = [texts] if isinstance(texts, str) else texts
                    size = int(body.get("dimensions") or 768)
                    self._json({"object": "list", "model": body.get("model"), "data": [
                        {"object": "embedding", "index": n, "embedding": fake_vector(t, size)}
                        for n, t in enumerate(texts)],
                        "usage": {"prompt_tokens": 1, "total_tokens": 1}})  # fmt: skip
                    return
                if ":batchEmbedContents" in self.path and isinstance(body, dict):
                    asked = body.get("requests") or []
                    self._json({"embeddings": [
                        {"values": fake_vector(
                            " ".join(part.get("text", "") for part in r["content"]["parts"]),
                            int(r.get("outputDimensionality") or 768))}
                        for r in asked]})  # fmt: skip
                    return
                if self.path == "/api/show":
                    if server.ollama_capabilities is None:
                        self._send(error_json(404, "not found"))
                    else:
                        self._json({"capabilities": server.ollama_capabilities})
                    return
                if server.replies:
                    reply = server.replies.popleft()
                elif ":streamGenerateContent" in self.path:
                    reply = server.gemini_default
                else:
                    reply = server.default
                self._send(reply)

            def _json(self, data: object) -> None:
                self._send(Reply(body=json.dumps(data).encode(), content_type="application/json"))

            def _send(self, reply: Reply) -> None:
                pieces = reply.body if isinstance(reply.body, list) else [reply.body]
                time.sleep(reply.wait)
                self.send_response(reply.status)
                self.send_header("content-type", reply.content_type)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if not reply.cut and not isinstance(reply.body, list):
                    self.send_header("content-length", str(len(reply.body)))
                self.end_headers()
                try:
                    for number, piece in enumerate(pieces):
                        if reply.delay:
                            time.sleep(reply.delay)
                        if number == 1:
                            time.sleep(reply.stall)
                        if reply.gate is not None and number == reply.gate_after:
                            reply.gate.wait(30)
                        self.wfile.write(piece)
                        self.wfile.flush()
                    if reply.cut:
                        self.connection.shutdown(socket.SHUT_RDWR)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def openai_url(self) -> str:
        return f"{self.url}/v1"

    def last_chat_request(self) -> Received:
        """The newest request for a reply: the window may list models at any moment, so
        the newest request of all need not be the chat's."""
        return [r for r in self.received if r.method == "POST"][-1]

    def queue(self, *replies: Reply) -> None:
        self.replies.extend(replies)

    def start(self) -> FakeProviderServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def closed_port_url() -> str:
    """A loopback URL where nothing listens: connection refused, at once."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"
