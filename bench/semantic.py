"""Search by meaning on the 1,000,000-message store (issue 19): how long a meaning query
and a hybrid one take to their first page with snippets (p95; goals 100 and 150 ms), the
memory with the vectors loaded (goal: under 300 MB, measured in the window, a search by
meaning made in it), the vector file's size, and how fast
a local server's embeddings are taken in.

    python -m bench.semantic [--queries 40]

The store is bench.run's (made on first use). Its messages get synthetic vectors (random
unit vectors of DIMENSIONS, written straight to vectors.db, as the index keeps them), so
no model is needed; the queries are embedded by a small local server speaking OpenAI's
embeddings format (the tests' hashed bag of words), as a local model would be asked.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from bench.run import HERE, ROOT, _store
from domain.meaning import DIMENSIONS

QUERIES = ["how do I fix my car", "a recipe for chocolate cake", "plan a trip to rome",
           "explain python decorators", "why is the sky blue", "sleeping better"]  # fmt: skip


def _embedding_server() -> ThreadingHTTPServer:
    from devtools.fake_embeddings import fake_vector

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.0"

        def log_message(self, *args: object) -> None:
            pass

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
            size = int(body.get("dimensions") or DIMENSIONS)
            data = [{"object": "embedding", "index": n, "embedding": fake_vector(t, size)}
                    for n, t in enumerate(texts)]  # fmt: skip
            usage = {"prompt_tokens": 1, "total_tokens": 1}
            answer = json.dumps({"object": "list", "data": data, "model": body["model"],
                                 "usage": usage}).encode()  # fmt: skip
            self.send_response(200)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _synthetic_vectors(folder: Path, key: str) -> int:
    """A random unit vector a message, into vectors.db as the index keeps them; how many."""
    import numpy as np

    from domain.meaning import MESSAGE, Passage, Source
    from repositories.vectors import NumpyVectorIndex

    rng = np.random.default_rng(19)
    with sqlite3.connect(folder / "primer.db") as store:
        numbers = [row[0] for row in store.execute("SELECT rowid FROM messages ORDER BY rowid")]
    store.close()
    index = NumpyVectorIndex(folder)
    index.reset(key)
    for start in range(0, len(numbers), 100_000):
        part = [Source(MESSAGE, str(number)) for number in numbers[start : start + 100_000]]
        values = rng.standard_normal((len(part), DIMENSIONS)).astype(np.float32)
        values /= np.linalg.norm(values, axis=1, keepdims=True)
        index.add([(source, "") for source in part], [Passage(s, "") for s in part], values,
                  upto=numbers[start + len(part) - 1])  # fmt: skip
    index.close()
    return len(numbers)


def _rss_mb() -> float:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
    return int(fields["VmRSS"].split()[0]) / 1024


def _p95(times: list[float]) -> float:
    return sorted(times)[max(0, round(len(times) * 0.95) - 1)] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=40)
    args = parser.parse_args()
    cached = HERE / ".data" / "store"
    _store(cached, 10_000, 1_000_000)
    work = Path(tempfile.mkdtemp(prefix="primer-bench-semantic-"))
    folder = work / "data"
    folder.mkdir()
    shutil.copy(cached / "primer.db", folder / "primer.db")
    server = _embedding_server()
    try:
        from app.bootstrap import build
        from app.secrets import InsecureFileSecretStore
        from app.settings import EmbeddingChoice, ProviderConfig

        primer = build(folder, secrets=InsecureFileSecretStore(work / "keys.json"))
        url = f"http://127.0.0.1:{server.server_address[1]}/v1"
        settings = primer.settings.with_provider(ProviderConfig("local", "openai_compatible", url))
        model = "text-embedding-3-small"  # (asked for DIMENSIONS values, as OpenAI's is)
        primer.apply_settings(replace(settings, embeddings=EmbeddingChoice("local", model)))
        began = time.perf_counter()
        count = _synthetic_vectors(folder, f"local/{model}/{DIMENSIONS}")
        print(f"{count:,} synthetic vectors written in {time.perf_counter() - began:.1f} s")
        began = time.perf_counter()
        primer.index_meaning(thorough=False)  # (the chats' titles, through the local server)
        print(f"10,000 chats' titles embedded in {time.perf_counter() - began:.1f} s")
        size = (folder / "vectors.db").stat().st_size / 1e6
        print(f"vector file: {size:,.0f} MB ({DIMENSIONS} values a vector, a byte each)")
        before = _rss_mb()
        began = time.perf_counter()
        primer.search_by_meaning("warm up", mode="meaning", limit=50)  # reads the vectors
        print(f"first query (reads the vectors into memory): "
              f"{(time.perf_counter() - began) * 1000:,.0f} ms")  # fmt: skip
        print(f"memory without the window: {_rss_mb():,.0f} MB with the vectors loaded "
              f"({before:,.0f} MB before)")  # fmt: skip
        for mode in ("meaning", "both"):
            times = []
            for n in range(args.queries):
                began = time.perf_counter()
                found = primer.search_by_meaning(QUERIES[n % len(QUERIES)], mode=mode, limit=50)
                times.append(time.perf_counter() - began)
                assert found.hits, "every query finds something"
            goal = 100 if mode == "meaning" else 150
            print(f"{mode} query to the first page with snippets: p95 {_p95(times):,.1f} ms, "
                  f"median {statistics.median(times) * 1000:,.1f} ms of {args.queries} "
                  f"(goal < {goal} ms)")  # fmt: skip
        # Throughput: messages stored after the index, embedded through the local server.
        with primer.uow_factory() as uow:
            latest = uow.meaning.count()
        with sqlite3.connect(folder / "primer.db") as store:
            fresh = [row[0] for row in store.execute(
                "SELECT rowid FROM messages ORDER BY rowid DESC LIMIT 2000")][::-1]  # fmt: skip
        store.close()
        index = sqlite3.connect(folder / "vectors.db")  # (as if they had just been stored)
        index.executemany("DELETE FROM vectors WHERE kind = 'message' AND item = ?",
                          [(str(number),) for number in fresh])  # fmt: skip
        index.execute("UPDATE meta SET value = ? WHERE name = 'upto'", (str(fresh[0] - 1),))
        index.commit()
        index.close()
        began = time.perf_counter()
        done = primer.index_meaning(thorough=False)
        took = time.perf_counter() - began
        print(f"embedding through the local server: {done / took:,.0f} messages/s "
              f"({done:,} messages in {took:.1f} s; {latest:,} in the store)")  # fmt: skip
        window = subprocess.run(
            [sys.executable, "-m", "bench.meaning_window", str(folder)],
            capture_output=True, text=True, check=True, timeout=600, cwd=ROOT,
            env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        )  # fmt: skip
        figures = json.loads(window.stdout.strip().splitlines()[-1])
        print(f"memory of the window, a search by meaning made in it ({figures['hits']} hits) "
              f"and a chat open: {figures['rss_mb']:,.0f} MB (peak {figures['peak_rss_mb']:,.0f}"
              f" MB; goal < 300 MB); its start-up look through every message embedded "
              f"{figures['embedded_at_start']}")  # fmt: skip
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
