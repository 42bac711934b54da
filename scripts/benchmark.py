"""Build times of this site beside its peers, side by side in one run.

The same tutorials are built three ways:

- **this project**: ``mkdocs build`` of a copy of the repository (the hook executes
  tutorials through its cache, two kernels at a time);
- **stock mkdocs-jupyter**: a plain MkDocs + Material project whose ``docs/`` holds the
  same tutorial scripts, with the plugin's own ``execute: true`` and its cache on;
- **Jupyter Book 1.0.4** (when it installs from the registry): a book of the same scripts
  with ``execute_notebooks: cache`` (jupyter-cache).

For each: a cold build (no caches), a rebuild with nothing changed, and a rebuild after one
Markdown cell of one tutorial was edited (a prose edit); rebuilds are repeated and the
median is kept. The builds of the three tools are interleaved, so load on the machine
affects them alike. Everything lives under ``.cache/benchmark/``.

Usage: ``make benchmark`` (or ``.venv/bin/python scripts/benchmark.py [--rounds 3] [--only ours,stock]``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".cache" / "benchmark"
PY = sys.executable
COPY = ["coursebuild", "labkit", "docs", "tutorials", "notebooks", "requirements", "mkdocs.yml", "pyproject.toml",
        "CONTRIBUTING.md", "README.md", "package.json"]
JUPYTER_BOOK = "jupyter-book==1.0.4"


def _run(cmd: list[str], cwd: Path, env: dict | None = None) -> float:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env={**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})},
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"benchmark: {' '.join(cmd[:4])}... failed in {cwd}:\n{(proc.stdout + proc.stderr)[-3000:]}")
    return seconds


class Tool:
    name = ""

    def __init__(self, root: Path):
        self.root = root

    def prepare(self) -> None: ...
    def clean(self) -> None: ...
    def build(self) -> float: ...
    def edit_prose(self, n: int) -> None:
        path = self.tutorial_path()
        text = path.read_text(encoding="utf-8")
        marker = "# ## What you will learn"
        assert marker in text, path
        path.write_text(text.replace(marker, f"# ## What you will learn\n#\n# A prose edit, number {n}.", 1), encoding="utf-8")

    def tutorial_path(self) -> Path: ...


class Ours(Tool):
    name = "this project"

    def prepare(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        for item in COPY:
            src = ROOT / item
            (shutil.copytree if src.is_dir() else shutil.copy2)(src, self.root / item)
        (self.root / "node_modules").symlink_to(ROOT / "node_modules")

    def clean(self) -> None:
        shutil.rmtree(self.root / ".cache", ignore_errors=True)
        shutil.rmtree(self.root / "site", ignore_errors=True)

    def build(self) -> float:
        return _run([PY, "-m", "mkdocs", "build", "-q"], self.root)

    def tutorial_path(self) -> Path:
        return self.root / "tutorials" / "02-activations.py"


class StockPlugin(Tool):
    name = "mkdocs-jupyter"

    def prepare(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        (self.root / "docs").mkdir(parents=True)
        tutorials = sorted((ROOT / "tutorials").glob("*.py"))
        for t in tutorials:
            shutil.copy2(t, self.root / "docs" / t.name)
        (self.root / "docs" / "index.md").write_text("# Tutorials\n", encoding="utf-8")
        nav = "\n".join(f"  - {t.stem}: {t.name}" for t in tutorials)
        (self.root / "mkdocs.yml").write_text(
            "site_name: stock mkdocs-jupyter\ntheme:\n  name: material\nplugins:\n  - search\n"
            "  - mkdocs-jupyter:\n      execute: true\n      include: ['*.py']\n"
            f"nav:\n  - index.md\n{nav}\n",
            encoding="utf-8",
        )

    def clean(self) -> None:
        shutil.rmtree(self.root / ".cache", ignore_errors=True)
        shutil.rmtree(self.root / "site", ignore_errors=True)

    def build(self) -> float:
        return _run([PY, "-m", "mkdocs", "build", "-q"], self.root)

    def tutorial_path(self) -> Path:
        return self.root / "docs" / "02-activations.py"


class JupyterBook(Tool):
    name = "Jupyter Book"

    def __init__(self, root: Path):
        super().__init__(root)
        self.site_packages = WORK / "jupyter-book-packages"

    def install(self) -> bool:
        if (self.site_packages / "jupyter_book").is_dir():
            return True
        uv = Path(PY).parent / "uv"
        cmd = [str(uv), "pip", "install", "--quiet", "--python", PY, "--target", str(self.site_packages), JUPYTER_BOOK]
        return subprocess.run(cmd, capture_output=True).returncode == 0

    def prepare(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)
        self.root.mkdir(parents=True)
        tutorials = sorted((ROOT / "tutorials").glob("*.py"))
        for t in tutorials:
            shutil.copy2(t, self.root / t.name)
        (self.root / "intro.md").write_text("# Tutorials\n", encoding="utf-8")
        (self.root / "_toc.yml").write_text(
            "format: jb-book\nroot: intro\nchapters:\n" + "".join(f"  - file: {t.stem}\n" for t in tutorials),
            encoding="utf-8",
        )
        (self.root / "_config.yml").write_text(
            "title: Jupyter Book\nexecute:\n  execute_notebooks: cache\n  timeout: 600\n"
            "sphinx:\n  config:\n    nb_custom_formats:\n      .py:\n        - jupytext.reads\n"
            "        - fmt: py:percent\n",
            encoding="utf-8",
        )

    def clean(self) -> None:
        shutil.rmtree(self.root / "_build", ignore_errors=True)

    def build(self) -> float:
        env = {"PYTHONPATH": str(self.site_packages)}
        return _run([PY, "-c", "from jupyter_book.cli.main import main; main()", "build", ".", "--quiet"], self.root, env)

    def tutorial_path(self) -> Path:
        return self.root / "02-activations.py"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="repetitions of each rebuild (median kept)")
    parser.add_argument("--only", default="ours,stock,jb", help="comma-separated: ours, stock, jb")
    args = parser.parse_args()
    chosen = args.only.split(",")
    tools: list[Tool] = []
    if "ours" in chosen:
        tools.append(Ours(WORK / "ours"))
    if "stock" in chosen:
        tools.append(StockPlugin(WORK / "stock"))
    if "jb" in chosen:
        jb = JupyterBook(WORK / "jupyter-book")
        if jb.install():
            tools.append(jb)
        else:
            print(f"benchmark: {JUPYTER_BOOK} did not install; measuring without it")
    n = len(list((ROOT / "tutorials").glob("*.py")))
    print(f"benchmark: {n} tutorials, {os.cpu_count()} cores, tools: {', '.join(t.name for t in tools)}")
    times: dict[str, dict[str, float]] = {t.name: {} for t in tools}
    for t in tools:
        t.prepare()
        t.clean()
    for t in tools:  # cold, one after the other
        times[t.name]["cold"] = t.build()
        print(f"  cold       {t.name:<16} {times[t.name]['cold']:7.1f} s", flush=True)
    for kind in ("no change", "prose edit"):
        samples: dict[str, list[float]] = {t.name: [] for t in tools}
        for r in range(args.rounds):
            for t in tools:  # interleaved
                if kind == "prose edit":
                    t.edit_prose(r)
                samples[t.name].append(t.build())
        for t in tools:
            times[t.name][kind] = statistics.median(samples[t.name])
            print(f"  {kind:<10} {t.name:<16} {times[t.name][kind]:7.2f} s  (runs: "
                  + ", ".join(f"{s:.2f}" for s in samples[t.name]) + ")", flush=True)
    names = [t.name for t in tools]
    print("\n| build | " + " | ".join(names) + " |" + "".join(f" {names[0]} / {o} |" for o in names[1:]))
    print("|---|" + "---:|" * (len(names) + len(names) - 1))
    for kind in ("cold", "no change", "prose edit"):
        row = [f"{times[name][kind]:.1f} s" if kind == "cold" else f"{times[name][kind]:.2f} s" for name in names]
        ratios = [f"{times[names[0]][kind] / times[o][kind]:.2f}" for o in names[1:]]
        print(f"| {kind} | " + " | ".join(row) + " |" + "".join(f" {r} |" for r in ratios))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
