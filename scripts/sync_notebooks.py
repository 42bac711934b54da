"""Regenerate notebooks/NN-topic.ipynb and notebooks/exercises/NN-topic.ipynb from tutorials/.

The notebooks are what Colab opens from the repository, and what the site
offers for download; the build fails (strict mode) when one is out of date.

Usage: .venv/bin/python scripts/sync_notebooks.py [--check]
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from coursebuild.tutorials import discover, download_notebook, exercise_notebook  # noqa: E402


def repo_url() -> str:
    text = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for line in text.splitlines():
        if line.startswith("repo_url:"):
            return yaml.safe_load(line)["repo_url"]
    raise SystemExit("mkdocs.yml has no repo_url")


def sync(out_dir: Path, make, check: bool) -> list[str]:
    """Write ``make(tutorial, repo_url)`` for every tutorial into ``out_dir``; return what changed."""
    out_dir.mkdir(exist_ok=True)
    tutorials = discover(ROOT / "tutorials")
    wanted = {f"{t.stem}.ipynb": make(t, repo_url()) for t in tutorials}
    stale = []
    for name, text in wanted.items():
        path = out_dir / name
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            stale.append(name)
            if not check:
                path.write_text(text, encoding="utf-8")
    orphans = sorted(p.name for p in out_dir.glob("*.ipynb") if p.name not in wanted)
    for name in orphans:
        stale.append(name)
        if not check:
            (out_dir / name).unlink()
    return [(out_dir / name).relative_to(ROOT).as_posix() for name in stale]


def main(check: bool) -> int:
    stale = sync(ROOT / "notebooks", download_notebook, check)
    stale += sync(ROOT / "notebooks" / "exercises", exercise_notebook, check)
    verb = "out of date" if check else "written"
    for name in stale:
        print(f"{verb}: {name}")
    return 1 if (check and stale) else 0


if __name__ == "__main__":
    raise SystemExit(main("--check" in sys.argv[1:]))
