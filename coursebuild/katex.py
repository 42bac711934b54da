"""Every formula of the built site, parsed by the pinned KaTeX in strict mode.

KaTeX's auto-render (``docs/javascripts/katex.js``) runs with ``throwOnError:
false``: a formula that does not parse is drawn in red, sometimes without the
``katex-error`` class, and nothing fails. :func:`formulas` finds the formulas
exactly as auto-render does (per text node, outside ``pre``/``code``/...,
delimiters ``$$``, ``\\[``, ``$``, ``\\(``, environments kept whole), and
:func:`parse_errors` parses each one with KaTeX from ``node_modules`` in strict
mode with ``throwOnError: true`` (``scripts/katex_check.cjs``).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from bs4 import BeautifulSoup, NavigableString

__all__ = ["Formula", "split_at_delimiters", "formulas", "parse_errors"]

ROOT = Path(__file__).resolve().parent.parent
DELIMITERS = [("$$", "$$", True), ("\\[", "\\]", True), ("$", "$", False), ("\\(", "\\)", False)]
IGNORED = {"script", "noscript", "style", "textarea", "pre", "code", "option"}
_LEFT = re.compile("|".join(re.escape(left) for left, _, _ in DELIMITERS))
_AMS = re.compile(r"^\\begin\{")
_CONTROL = re.compile(r"[\x00-\x08\x09\x0b\x0c\x0e-\x1f]")


@dataclass(frozen=True)
class Formula:
    """One formula: where it is, its TeX, and whether it is displayed."""

    page: str
    tex: str
    display: bool


def _end_of_math(delimiter: str, text: str, start: int) -> int:
    index, braces = start, 0
    while index < len(text):
        if braces <= 0 and text.startswith(delimiter, index):
            return index
        char = text[index]
        if char == "\\":
            index += 1
        elif char == "{":
            braces += 1
        elif char == "}":
            braces -= 1
        index += 1
    return -1


def split_at_delimiters(text: str) -> list[tuple[str, bool]]:
    """The formulas in one text node, as ``(tex, display)`` (auto-render's algorithm).

    >>> split_at_delimiters(r"a $x^2$ and $$\\frac{1}{2}$$ b")
    [('x^2', False), ('\\\\frac{1}{2}', True)]
    """
    found = []
    while True:
        match = _LEFT.search(text)
        if match is None:
            break
        text = text[match.start():]
        left, right, display = next(d for d in DELIMITERS if text.startswith(d[0]))
        end = _end_of_math(right, text, len(left))
        if end == -1:
            break
        raw = text[: end + len(right)]
        found.append((raw if _AMS.match(raw) else text[len(left):end], display))
        text = text[end + len(right):]
    return found


def formulas(site_dir: Path) -> list[Formula]:
    """Every formula in the content of every page of ``site_dir``."""
    out = []
    for page in sorted(Path(site_dir).rglob("*.html")):
        soup = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
        root = soup.select_one(".md-content") or soup
        rel = page.relative_to(site_dir).as_posix()
        for node in root.find_all(string=True):
            if not isinstance(node, NavigableString) or any(p.name in IGNORED for p in node.parents):
                continue
            out += [Formula(rel, tex, display) for tex, display in split_at_delimiters(str(node))]
    return out


def parse_errors(found: list[Formula]) -> list[tuple[Formula, str]]:
    """Parse every formula with the pinned KaTeX, strict; return the failures and KaTeX's message.

    Raises:
        RuntimeError: Node.js or KaTeX (``npm ci``) is missing.
    """
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "katex").is_dir():
        raise RuntimeError("Node.js and node_modules/katex are needed (make setup runs npm ci)")
    control = [
        (f, "control character in the formula (a TAB from '\\t' in a non-raw Python string, as in \\times?)")
        for f in found if _CONTROL.search(f.tex)
    ]
    payload = json.dumps([{"tex": f.tex, "display": f.display} for f in found])
    proc = subprocess.run(
        [node, str(ROOT / "scripts" / "katex_check.cjs")], input=payload, capture_output=True, text=True,
        cwd=ROOT, check=True,
    )
    return control + [(found[item["index"]], item["error"]) for item in json.loads(proc.stdout)]
