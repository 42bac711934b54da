"""Figures for the site: one PNG per palette, alt text and a legibility report.

The course site has a light and a dark palette, and a figure is shown on both.
No single ink colour reaches 4.5:1 contrast on white *and* on Material's dark
"slate" background, so every figure is rendered twice: as drawn (light ink,
the colours of [`LIGHT`][labkit.figures.LIGHT]) and with each course colour swapped for its
partner in [`DARK`][labkit.figures.DARK]. Both are rendered at twice the CSS size, so they stay
sharp on high-density screens.

[`render`][labkit.figures.render] does this and measures what a reader will see: the smallest
font (in points, turned into CSS pixels by the page test from the displayed
width) and the lowest contrast of any text or data line against each
palette's background. [`alt_text`][labkit.figures.alt_text] says what the figure shows, from its
titles and axis labels, unless the author set one with [`set_alt`][labkit.figures.set_alt].

In Jupyter and Colab, [`use_style`][labkit.plot.use_style] shows figures as sharp
light PNGs; the site build (``LABKIT_SITE_FIGURES=1``) asks for [`render`][labkit.figures.render]'s
two PNGs and the report. First used by every tutorial through ``labkit.plot``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import dataclass

import matplotlib as mpl
from matplotlib import colors as mcolors
from matplotlib.collections import Collection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.text import Text

__all__ = [
    "LIGHT",
    "DARK",
    "BACKGROUND",
    "DPI",
    "contrast_ratio",
    "set_alt",
    "alt_text",
    "FigureReport",
    "render",
]

LIGHT = {
    "ink": "#374151",
    "blue": "#1d4ed8",
    "orange": "#c2410c",
    "green": "#047857",
    "red": "#b91c1c",
    "purple": "#7e22ce",
    "yellow": "#a16207",
    "cyan": "#0e7490",
    "pink": "#be185d",
    "paper": "#ffffff",
}
"""Course colours on the light palette: ink first, then the data colours, each at least 4.5:1 against white."""

DARK = {
    "ink": "#d1d5db",
    "blue": "#60a5fa",
    "orange": "#fb923c",
    "green": "#34d399",
    "red": "#f87171",
    "purple": "#c084fc",
    "yellow": "#facc15",
    "cyan": "#22d3ee",
    "pink": "#f472b6",
    "paper": "#1e2129",
}
"""The same roles on the dark palette, each at least 4.5:1 against [`BACKGROUND`][labkit.figures.BACKGROUND] ``["dark"]``."""

BACKGROUND = {"light": LIGHT["paper"], "dark": DARK["paper"]}
"""The page backgrounds: Material's white, and its "slate" (hsl(232, 15%, 14%))."""

DPI = 200
"""Pixels per inch of the PNGs: 2 device pixels per CSS pixel (matplotlib's 100 dpi)."""

_SWAP = {mcolors.to_hex(LIGHT[k]): mcolors.to_hex(DARK[k]) for k in LIGHT}


def _rgba(color, name: str) -> tuple[float, float, float, float]:
    if isinstance(color, bool) or not isinstance(color, (str, tuple, list)):
        raise TypeError(f"{name} must be a colour (a name, '#rrggbb' or an RGB(A) tuple), got {type(color).__name__}")
    try:
        return mcolors.to_rgba(color)
    except ValueError:
        raise ValueError(f"{name} must be a colour (a name, '#rrggbb' or an RGB(A) tuple), got {color!r}") from None


def _luminance(color) -> float:
    r, g, b = mcolors.to_rgb(color)

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def _over(color, background) -> tuple[float, float, float]:
    """``color`` (with its alpha) composited over an opaque ``background``."""
    r, g, b, a = mcolors.to_rgba(color)
    br, bg, bb = mcolors.to_rgb(background)
    return (a * r + (1 - a) * br, a * g + (1 - a) * bg, a * b + (1 - a) * bb)


def contrast_ratio(foreground, background) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21); ``foreground`` may be translucent.

    Examples:
        >>> round(contrast_ratio("#000000", "#ffffff"), 1)
        21.0
        >>> contrast_ratio(LIGHT["ink"], BACKGROUND["light"]) >= 4.5
        True
    """
    _rgba(foreground, "foreground")
    if _rgba(background, "background")[3] != 1:
        raise ValueError(f"background must be opaque, got {background!r}")
    fg = _luminance(_over(foreground, background))
    bg = _luminance(background)
    hi, lo = max(fg, bg), min(fg, bg)
    return (hi + 0.05) / (lo + 0.05)


def set_alt(fig: Figure, text: str) -> Figure:
    """Give ``fig`` the alt text the site shows for it (what the figure shows).

    Args:
        fig: the figure.
        text: what it shows, in a sentence.

    Returns:
        ``fig``.

    Examples:
        >>> import matplotlib.pyplot as plt
        >>> fig, ax = plt.subplots()
        >>> alt_text(set_alt(fig, "the loss falls over 100 epochs"))
        'the loss falls over 100 epochs'
        >>> plt.close(fig)
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"alt text must be a non-empty string, got {text!r}")
    fig._labkit_alt = text.strip()  # type: ignore[attr-defined]
    return fig


_GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "sigma": "σ", "tau": "τ", "phi": "φ",
    "omega": "ω", "Delta": "Δ", "Sigma": "Σ", "nabla": "∇", "partial": "∂", "ell": "ℓ",
    "cdot": "·", "times": "×", "le": "≤", "ge": "≥", "infty": "∞", "to": "→",
}


def _plain(text: str) -> str:
    """Mathtext to readable plain text: ``$\\sigma'(z)$`` becomes ``σ'(z)``."""
    text = re.sub(r"\\(mathcal|mathrm|mathbf|operatorname|text|rm|bf)\{([^{}]*)\}", r"\2", text)
    text = re.sub(r"\\([A-Za-z]+)", lambda m: _GREEK.get(m.group(1), m.group(1)), text)
    text = text.replace("$", "").replace("{", "").replace("}", "").replace("\\", "")
    return re.sub(r"\s+", " ", text).strip()


def alt_text(fig: Figure) -> str:
    r"""What ``fig`` shows, for a screen reader: its alt text, else its titles and axes.

    The text set with [`set_alt`][labkit.figures.set_alt] wins. Otherwise it is built from the
    figure's suptitle and each panel's title and axis labels, for example
    ``"sigmoid, tanh and ReLU: f(z) against z"``. Returns ``""`` when the figure
    has no title at all (the site build reports such a figure).

    Examples:
        >>> import matplotlib.pyplot as plt
        >>> fig, ax = plt.subplots()
        >>> _ = ax.set(title="training loss", xlabel="epoch", ylabel=r"$\mathcal{L}$")
        >>> alt_text(fig)
        'training loss (L against epoch)'
        >>> plt.close(fig)
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    explicit = getattr(fig, "_labkit_alt", None)
    if explicit:
        return explicit
    parts = []
    suptitle = fig._suptitle.get_text() if getattr(fig, "_suptitle", None) else ""  # noqa: SLF001
    panels = []
    for ax in fig.axes:
        title = " ".join(t.get_text() for t in (ax.title, ax._left_title, ax._right_title) if t.get_text())  # noqa: SLF001
        if not title:
            continue
        y, x = _plain(ax.get_ylabel()), _plain(ax.get_xlabel())
        axes_text = f" ({y} against {x})" if x and y else ""
        panels.append(_plain(title) + axes_text)
    if suptitle:
        parts.append(_plain(suptitle))
    if panels:
        parts.append("; ".join(panels) if len(panels) <= 6 else "; ".join(panels[:6]) + f"; and {len(panels) - 6} more panels")
    if not parts:
        return ""
    return ". ".join(parts)


@dataclass(frozen=True)
class FigureReport:
    """What a reader of the site sees of one figure.

    Attributes:
        light_png: the figure as drawn, PNG bytes at [`DPI`][labkit.figures.DPI].
        dark_png: the figure with the dark palette's colours, PNG bytes.
        width: CSS width in pixels (half the PNG's pixel width).
        height: CSS height in pixels.
        alt: the alt text ([`alt_text`][labkit.figures.alt_text]).
        min_font_pt: the smallest visible font size, in points.
        contrast: the lowest contrast of visible text and data lines against each
            palette's background, ``{"light": ..., "dark": ...}``.
    """

    light_png: bytes
    dark_png: bytes
    width: int
    height: int
    alt: str
    min_font_pt: float
    contrast: dict[str, float]


def _drawn(artist):
    """``artist`` and its descendants that are actually drawn (visible, axes switched on)."""
    if not artist.get_visible():
        return
    yield artist
    hidden = set()
    if hasattr(artist, "axison") and not artist.axison:
        hidden = {id(artist.xaxis), id(artist.yaxis), *(id(s) for s in artist.spines.values())}
    for child in artist.get_children():
        if id(child) not in hidden:
            yield from _drawn(child)


def _visible_texts(fig: Figure) -> list[Text]:
    return [a for a in _drawn(fig) if isinstance(a, Text) and a.get_text().strip()]


def _data_lines(fig: Figure) -> list[Line2D]:
    lines = []
    for ax in fig.axes:
        for line in ax.get_lines():
            if line.get_visible() and line.get_linestyle() not in ("None", "", " ") and (line.get_alpha() or 1) >= 1:
                lines.append(line)
    return lines


def _min_contrast(fig: Figure, background: str) -> float:
    ratios = [contrast_ratio(mcolors.to_rgba(t.get_color(), t.get_alpha()), background) for t in _visible_texts(fig)]
    ratios += [contrast_ratio(mcolors.to_rgba(l.get_color(), l.get_alpha()), background) for l in _data_lines(fig)]
    return round(min(ratios), 2) if ratios else 21.0


def _swap(color):
    """``color`` with a course colour replaced by its dark partner, alpha kept."""
    if color is None or (isinstance(color, str) and color in ("none", "None", "auto")):
        return color
    try:
        rgba = mcolors.to_rgba(color)
    except ValueError:
        return color
    partner = _SWAP.get(mcolors.to_hex(rgba[:3]))
    if partner is None:
        return color
    return (*mcolors.to_rgb(partner), rgba[3])


def _recolour(fig: Figure) -> list[Callable[[], None]]:
    """Swap every course colour of ``fig`` for its dark partner; return the undo steps."""
    undo: list[Callable[[], None]] = []

    def swap(get, set_):
        old = get()
        new = _swap(old)
        if new is not old:
            set_(new)
            undo.append(lambda: set_(old))

    def swap_array(get, set_):
        old = get()
        if old is None or len(old) == 0:
            return
        new = [_swap(tuple(c)) for c in old]
        if any(tuple(n) != tuple(o) for n, o in zip(new, old)):
            set_(new)
            undo.append(lambda: set_(old))

    for artist in fig.findobj():
        if isinstance(artist, Text):
            swap(artist.get_color, artist.set_color)
        elif isinstance(artist, Line2D):
            swap(artist.get_color, artist.set_color)
            swap(artist.get_markerfacecolor, artist.set_markerfacecolor)
            swap(artist.get_markeredgecolor, artist.set_markeredgecolor)
        elif isinstance(artist, Patch):
            swap(artist.get_facecolor, artist.set_facecolor)
            swap(artist.get_edgecolor, artist.set_edgecolor)
        elif isinstance(artist, Collection) and artist.get_array() is None:
            swap_array(artist.get_facecolor, artist.set_facecolor)
            swap_array(artist.get_edgecolor, artist.set_edgecolor)
        elif isinstance(artist, Collection):
            swap_array(artist.get_edgecolor, artist.set_edgecolor)
    return undo


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI, bbox_inches="tight", transparent=True)
    return buffer.getvalue()


def _png_size(data: bytes) -> tuple[int, int]:
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def render(fig: Figure) -> FigureReport:
    """Render ``fig`` for both palettes and measure it (see [`FigureReport`][labkit.figures.FigureReport]).

    Examples:
        >>> import matplotlib.pyplot as plt
        >>> fig, ax = plt.subplots(figsize=(3, 2))
        >>> _ = ax.plot([0, 1], [1, 0], color=LIGHT["blue"]); _ = ax.set_title("a line")
        >>> report = render(fig); plt.close(fig)
        >>> report.alt, report.width > 0, report.light_png != report.dark_png
        ('a line', True, True)
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    # figure.autolayout off while saving: a "tight" savefig sets the layout engine to "none"
    # and back, and matplotlib's set_layout_engine(None) reads that rcParam, so a figure laid
    # out by hand (labkit.graph's) would come back with tight_layout and warn at the next save.
    no_autolayout = {"figure.autolayout": False, "figure.constrained_layout.use": False}
    with mpl.rc_context({"savefig.transparent": True, **no_autolayout}):
        light = _png(fig)
        contrast = {"light": _min_contrast(fig, BACKGROUND["light"])}
        undo = _recolour(fig)
        try:
            dark = _png(fig)
            contrast["dark"] = _min_contrast(fig, BACKGROUND["dark"])
        finally:
            for step in reversed(undo):
                step()
    texts = _visible_texts(fig)
    min_font = min((t.get_fontsize() for t in texts), default=0.0)
    width, height = _png_size(light)
    return FigureReport(
        light_png=light,
        dark_png=dark,
        width=round(width * 100 / DPI),
        height=round(height * 100 / DPI),
        alt=alt_text(fig),
        min_font_pt=float(min_font),
        contrast=contrast,
    )
