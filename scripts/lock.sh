#!/usr/bin/env bash
# Re-resolve requirements/base.in into requirements/lock.txt: one universal lock, with
# environment markers and hashes, for Linux (x86_64, aarch64), macOS (arm64, 14+) and Windows
# (x86_64) and Python 3.11.5-3.13; then prove that it installs on each of those targets.
# Needs the package registry. Existing pins are kept unless UPGRADE=1.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .venv/bin/uv ] || { echo "lock: run make setup first (it installs the pinned uv)" >&2; exit 1; }
uv=.venv/bin/uv

upgrade=()
[ "${UPGRADE:-0}" = 1 ] && upgrade=(--upgrade)
"$uv" pip compile --quiet --universal --python-version 3.11.5 --generate-hashes "${upgrade[@]}" \
  --custom-compile-command "make lock" requirements/base.in -o requirements/lock.txt
echo "lock: requirements/lock.txt: $(grep -c '^[A-Za-z0-9].*==' requirements/lock.txt) pins," \
     "$(grep '^[A-Za-z0-9].*==.* ; ' requirements/lock.txt | wc -l | tr -d ' ') with environment markers"

failed=0
printf '%-26s %-8s %s\n' platform python result
for platform in x86_64-manylinux_2_28 aarch64-manylinux_2_28 aarch64-apple-darwin x86_64-pc-windows-msvc; do
  for python in 3.11.5 3.12 3.13; do
    out=$(mktemp)
    # torch's macOS wheels need macOS 14 (Sonoma) or newer.
    if MACOSX_DEPLOYMENT_TARGET=14.0 "$uv" pip compile --quiet --no-header --python-platform "$platform" \
         --python-version "$python" requirements/lock.txt -o "$out" 2>"$out.err"; then
      printf '%-26s %-8s resolves (%d packages)\n' "$platform" "$python" "$(grep -c '==' "$out")"
    else
      printf '%-26s %-8s FAILS: %s\n' "$platform" "$python" "$(head -c 300 "$out.err" | tr '\n' ' ')"
      failed=1
    fi
    rm -f "$out" "$out.err"
  done
done
exit "$failed"
