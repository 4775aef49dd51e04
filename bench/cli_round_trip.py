"""`primer ask` against simonw's `llm` (also Python, also logging to SQLite): the whole
process, start to exit, asking the same local OpenAI-compatible server in one run.

    python -m bench.cli_round_trip --llm /path/to/llm [--runs 7]

`llm` is not one of Primer's dependencies: install it anywhere (`pip install llm`) and
name its executable. Both get a 20-word streamed reply; runs alternate, medians compared
(target: primer <= 1.0x llm).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.openai_server import base_url, serve


def _seconds(command: list[str], env: dict[str, str]) -> float:
    began = time.perf_counter()
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
    elapsed = time.perf_counter() - began
    if result.returncode != 0 or "word19" not in result.stdout:
        raise SystemExit(f"{command[0]} failed: {result.stderr[-500:]}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--llm", default=shutil.which("llm"), help="the llm executable")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if not args.llm:
        raise SystemExit("Name llm's executable with --llm (pip install llm, anywhere).")
    server = serve(pieces=20, rate=0)
    work = Path(tempfile.mkdtemp(prefix="primer-bench-cli-"))
    try:
        llm_home = work / "llm"
        llm_home.mkdir()
        (llm_home / "extra-openai-models.yaml").write_text(
            f"- model_id: bench\n  model_name: bench\n  api_base: {base_url(server)}\n"
            "  api_key_name: bench\n",
            "utf-8",
        )
        (llm_home / "keys.json").write_text('{"bench": "sk-bench"}', "utf-8")
        env = {**os.environ, "LLM_USER_PATH": str(llm_home), "OPENAI_API_KEY": "sk-bench"}
        env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
        primer = [
            str(Path(sys.executable).with_name("primer")), "ask", "--data-dir",
            str(work / "primer"), "--provider", "bench", "--base-url", base_url(server),
            "--model", "bench", "Hello",
        ]  # fmt: skip
        llm = [args.llm, "-m", "bench", "Hello"]
        _seconds(primer, env), _seconds(llm, env)  # warm: bytecode, first store and log
        ours, theirs = [], []
        for _ in range(args.runs):
            ours.append(_seconds(primer, env))
            theirs.append(_seconds(llm, env))
        mine, other = statistics.median(ours), statistics.median(theirs)
        print(f"primer ask: {mine * 1000:6.0f} ms median of {args.runs} "
              f"(fastest {min(ours) * 1000:.0f})")  # fmt: skip
        print(f"llm:        {other * 1000:6.0f} ms median of {args.runs} "
              f"(fastest {min(theirs) * 1000:.0f})")  # fmt: skip
        print(f"ratio primer / llm: {mine / other:.2f} (fastest runs {min(ours) / min(theirs):.2f})"
              "   (target <= 1.0)")  # fmt: skip
    finally:
        server.shutdown()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
