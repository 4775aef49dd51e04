#!/usr/bin/env bash
# Build Primer's .deb, install it on this machine (as root), measure the installed copy's
# cold start against the source, check it from outside the source tree, and remove it.
# Uses the README's test venv (.venv) for the build tools; exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
python=${PYTHON:-.venv/bin/python}

"$python" -m pip install -q -e ".[package]"
"$python" packaging/build.py
deb=$(ls -t dist/primer_*.deb | head -n 1)
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "./$deb" >/dev/null
QT_QPA_PLATFORM=offscreen "$python" -m bench.installed /usr/bin/primer --runs 5
"$python" packaging/check_installed.py "$deb"
