"""A small local server that streams replies in OpenAI's chat-completions format, for the
benchmarks (the tests have their own, richer one in tests/support)."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def serve(pieces: int, rate: float) -> ThreadingHTTPServer:
    """Each request gets `pieces` words, `rate` a second (0: as fast as it can), then the end."""

    def chunk(delta: dict[str, str], finish: str | None) -> bytes:
        choice = {"index": 0, "delta": delta, "finish_reason": finish}
        body = {"id": "b", "object": "chat.completion.chunk", "created": 1, "model": "bench",
                "choices": [choice]}  # fmt: skip
        return f"data: {json.dumps(body)}\n\n".encode()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("content-length") or 0))
            self.send_response(200)
            self.send_header("content-type", "text/event-stream")
            self.end_headers()
            for number in range(pieces):
                self.wfile.write(chunk({"content": f"word{number} "}, None))
                self.wfile.flush()
                if rate:
                    time.sleep(1 / rate)
            self.wfile.write(chunk({}, "stop") + b"data: [DONE]\n\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def base_url(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}/v1"
