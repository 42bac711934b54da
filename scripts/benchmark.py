"""Benchmark the site build (not a test): prints timings and page weights.

Builds a clean copy of the repository (tracked files only, so every cache is
cold) in a temporary directory and measures:

1. cold build (every tutorial executed),
2. rebuild with nothing changed,
3. rebuild after editing one tutorial,
4. per-tutorial execution time (as recorded by the cache),
5. page weight: HTML without images per tutorial page, the shared notebook CSS,
   and what stock mkdocs-jupyter would have inlined into the same page,
6. the MNIST practical's time per gradient step, per-sample vs batched.

Usage: .venv/bin/python scripts/benchmark.py   (or `make benchmark`)
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def build(repo: Path, env: dict) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--site-dir", str(repo / "site")],
        cwd=repo, env=env, capture_output=True, text=True,
    )
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"build failed:\n{(proc.stdout + proc.stderr)[-4000:]}")
    return seconds, proc.stdout + proc.stderr


def executed(log: str) -> str:
    match = re.search(r"tutorials: (\d+) executed, (\d+) from cache", log)
    return f"{match.group(1)} executed, {match.group(2)} from cache" if match else "?"


def stock_page_bytes(notebook: Path) -> int:
    """Bytes mkdocs-jupyter's own renderer produces for this notebook (CSS and figures inline)."""
    from mkdocs_jupyter import convert

    return len(convert.nb2html(str(notebook), execute=False, theme="light").encode())


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="labkit-bench-") as tmp:
        repo = Path(tmp) / "labkit"
        files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
        for rel in filter(None, files.decode().split("\0")):
            (repo / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / rel, repo / rel)
        (repo / "node_modules").symlink_to(ROOT / "node_modules")
        env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "LABKIT_CACHE_DIR": str(repo / ".cache" / "tutorials")}

        cold, log = build(repo, env)
        print(f"cold build:               {cold:6.1f} s  ({executed(log)}, {os.cpu_count()} cores)")
        warm, log = build(repo, env)
        print(f"no-change rebuild:        {warm:6.1f} s  ({executed(log)})")
        first = sorted((repo / "tutorials").glob("*.py"))[0]
        first.write_text(first.read_text() + "\n# %% [markdown]\n# Edited by the benchmark.\n")
        edited, log = build(repo, env)
        print(f"one tutorial edited:      {edited:6.1f} s  ({executed(log)}; edited {first.name})")

        print("\nper-tutorial execution (one CPU thread each, parallel kernels):")
        cache = repo / ".cache" / "tutorials"
        total = 0.0
        for meta_path in sorted(cache.glob("*.json")):
            meta = json.loads(meta_path.read_text())
            total += meta["seconds"]
            print(f"  {meta['tutorial']:<38} {meta['seconds']:6.1f} s")
        print(f"  {'sum':<38} {total:6.1f} s")

        print("\npage weight (HTML without images | images | stock mkdocs-jupyter content):")
        site = repo / "site"
        css = sorted((site / "assets" / "stylesheets").glob("notebook-*.css"))
        for page in sorted((site / "tutorials").glob("*/index.html")):
            stem = page.parent.name
            images = sum(p.stat().st_size for p in (page.parent / "img").glob("*.png"))
            stock = stock_page_bytes(cache / f"{stem}.ipynb")
            print(f"  {stem:<38} {page.stat().st_size / 1000:6.1f} KB | {images / 1000:6.1f} KB | {stock / 1000:7.1f} KB")
        for sheet in css:
            print(f"  shared notebook stylesheet {sheet.name}: {sheet.stat().st_size / 1000:.1f} KB (downloaded once, cached)")

    practical = ROOT / "scripts" / "bench_practical.py"
    if practical.exists():
        print("\nMNIST practical, time per gradient step:")
        sys.stdout.flush()
        subprocess.run([sys.executable, str(practical)], cwd=ROOT, check=False)


if __name__ == "__main__":
    main()
