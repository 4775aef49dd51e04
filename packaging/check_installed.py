"""Check the Primer that the .deb installed, from outside the source tree, then remove it.

    python packaging/check_installed.py dist/primer_<version>_<arch>.deb

Run by packaging/test-linux.sh after `apt-get install ./that.deb` (as root). Everything the
installed program does here runs from a scratch folder with a clean environment, so it
can only use what the package put on the system. Exits non-zero at the first failure.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from app.version import APP_ID, __version__  # noqa: E402
from devtools import sample_files  # noqa: E402
from tests.support.fake_providers import FakeProviderServer, Reply, openai_sse  # noqa: E402

PROGRAM = Path("/usr/bin/primer")
INSTALLED = Path("/opt/primer")
SHARED_FILES = [
    Path(f"/usr/share/applications/{APP_ID}.desktop"),
    Path(f"/usr/share/metainfo/{APP_ID}.metainfo.xml"),
    Path(f"/usr/share/icons/hicolor/256x256/apps/{APP_ID}.png"),
    Path(f"/usr/share/icons/hicolor/scalable/apps/{APP_ID}.svg"),
]


def run(*args: str, env: dict[str, str], cwd: Path, check: bool = True) -> str:
    result = subprocess.run(
        [str(PROGRAM), *args], capture_output=True, text=True, env=env, cwd=cwd, timeout=120
    )
    if "Traceback" in result.stderr:
        raise SystemExit(f"primer {' '.join(args)} printed a traceback:\n{result.stderr}")
    if check and result.returncode != 0:
        raise SystemExit(
            f"primer {' '.join(args)} exited {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result.stdout + result.stderr


def _modification_times(folder: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in folder.rglob("*") if not p.is_symlink()}


def step(text: str) -> None:
    print(f"-- {text}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("deb", type=Path)
    deb = parser.parse_args().deb

    step("installed files")
    for path in [PROGRAM, INSTALLED / "primer", *SHARED_FILES]:
        if not path.exists():
            raise SystemExit(f"the package did not install {path}")
    subprocess.run(["appstreamcli", "validate", "--no-net", str(SHARED_FILES[1])], check=True)
    if shutil.which("desktop-file-validate"):
        subprocess.run(["desktop-file-validate", str(SHARED_FILES[0])], check=True)

    step("the system libraries the package depends on are all there")
    # Qt's window plugins (X11, Wayland) and Python's extension modules; the GTK theme
    # plugin is optional (Qt uses it only where GTK is installed).
    binaries = [
        p for p in (INSTALLED / "_internal").rglob("*.so*")
        if p.is_file() and "platformthemes" not in p.parts
    ]  # fmt: skip
    missing = set()
    for binary in binaries:
        listing = subprocess.run(["ldd", str(binary)], capture_output=True, text=True).stdout
        missing |= {line.split()[0] for line in listing.splitlines() if "not found" in line}
    if missing:
        raise SystemExit("not found on this system: " + ", ".join(sorted(missing)))

    server = FakeProviderServer().start()
    scratch = Path(tempfile.mkdtemp(prefix="primer-installed-"))
    home = scratch / "home"
    home.mkdir()
    # Nothing from the source tree or a developer's Python: only what the package installed.
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "OPENAI_BASE_URL": server.openai_url,
        "OPENAI_API_KEY": "sk-test-installed-0123456789",
        "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring",
    }
    before = _modification_times(INSTALLED)
    time.sleep(0.01)  # any later write has a later time

    step("primer --version")
    version = run("--version", env=env, cwd=scratch).strip()
    if version != f"Primer {__version__}":
        raise SystemExit(f"primer --version printed {version!r}, not 'Primer {__version__}'")

    step("the window: fresh data folder, new chat, streamed reply, clean exit")
    server.queue(Reply(body=openai_sse(["Hello ", "from the ", "**installed** build."])))
    report = run("self-check", "--message", "Say hello", env=env, cwd=scratch)
    print(report, end="")
    if "FAIL" in report or "ok   reply" not in report:
        raise SystemExit("the self-check did not pass")

    step("the command line, on the default data folder")
    server.queue(Reply(body=openai_sse(["Four."])))
    answer = run("ask", "What is 2 + 2?", env=env, cwd=scratch)
    if "Four." not in answer:
        raise SystemExit(f"primer ask printed {answer!r}")
    data_dir = home / ".local" / "share" / "Primer"  # platformdirs, on Linux
    if not (data_dir / "primer.db").exists():
        raise SystemExit(f"no store in the default data folder {data_dir}")

    step("export and import (the JSON reader's parser travels with the build)")
    exported = scratch / "chats.json"
    run("export", "--format", "json", "--out", str(exported), env=env, cwd=scratch)
    again = run("import", str(exported), env=env, cwd=scratch)
    if not again.startswith("0 chat(s) added, 0 updated, 0 message(s) added"):
        raise SystemExit(f"primer import printed {again!r}")

    step("attachments: a picture and a PDF read by the libraries the build carries")
    picture, document = scratch / "photo.jpg", scratch / "doc.pdf"
    sample_files.write(picture, sample_files.photo(64, 48))
    sample_files.write(document, sample_files.pdf(["The installed build reads PDFs."]))
    server.queue(Reply(body=openai_sse(["Seen."])))
    seen = run("ask", "--attach", str(picture), "--attach", str(document), "What are these?",
               env=env, cwd=scratch)  # fmt: skip
    parts = server.last_chat_request().body["messages"][-1]["content"]
    if "Seen." not in seen or [part["type"] for part in parts] != ["text", "image_url", "file"]:
        raise SystemExit(f"primer ask --attach sent {[p.get('type') for p in parts]!r}")
    found = run("search", "installed build reads", env=env, cwd=scratch)
    if "doc.pdf" not in found:
        raise SystemExit(f"the PDF's words were not found: {found!r}")

    step("the backup database driver")
    refused = run("db", "test", "--backup-url", "postgresql://u@127.0.0.1:1/x", env=env,
                  cwd=scratch, check=False)  # fmt: skip
    if "cannot reach the backup database" not in refused:
        raise SystemExit(f"primer db test printed {refused!r}")

    step("nothing was written into the installed program's folder")
    after = _modification_times(INSTALLED)
    changed = sorted(str(p) for p in after if before.get(p) != after[p])
    if changed:
        raise SystemExit("written at run time into the program's folder:\n" + "\n".join(changed))

    step(f"size: package {deb.stat().st_size / 1e6:.1f} MB")
    installed = subprocess.run(
        ["dpkg-query", "-W", "-f=${Installed-Size}", "primer"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    print(f"installed size {int(installed) / 1024:.1f} MiB", flush=True)

    step("uninstall keeps the user's data")
    subprocess.run(
        ["apt-get", "remove", "-y", "-qq", "primer"],
        check=True,
        env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
        stdout=subprocess.DEVNULL,
    )
    left = [str(p) for p in [PROGRAM, INSTALLED, *SHARED_FILES] if p.exists()]
    if left:
        raise SystemExit("still there after removal: " + ", ".join(left))
    if not (data_dir / "primer.db").exists():
        raise SystemExit("removing the package removed the user's chats")
    server.stop()
    shutil.rmtree(scratch)
    print("the installed package works", flush=True)


if __name__ == "__main__":
    main()
