"""Show computed LaTeX or Markdown from a code cell.

Worked numbers on a page are computed, never typed: a tutorial builds the
LaTeX of a derivation from its tensors and shows it with :func:`show_math`.
In Jupyter (and in the site build) it renders as math; run as a plain script
it prints the source text.
"""

from __future__ import annotations

__all__ = ["show_math", "show_markdown", "fmt"]


def _in_ipython() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    return get_ipython() is not None


def show_markdown(text: str) -> None:
    """Display ``text`` as Markdown (math in ``$...$``/``$$...$$`` included)."""
    if not isinstance(text, str):
        raise TypeError(f"text must be a str, got {type(text).__name__}")
    if _in_ipython():
        from IPython.display import Markdown, display

        display(Markdown(text))
    else:
        print(text)


def show_math(latex: str) -> None:
    """Display one display-style equation given as LaTeX without ``$$``."""
    if not isinstance(latex, str):
        raise TypeError(f"latex must be a str, got {type(latex).__name__}")
    show_markdown(f"$$\n{latex}\n$$")


def fmt(value: float, digits: int = 4) -> str:
    """Format a number for LaTeX: up to ``digits`` significant decimals, no trailing zeros."""
    number = float(value)
    text = f"{number:.{digits}f}".rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    return text
