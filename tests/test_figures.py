"""labkit.figures and labkit.plot: two palettes, alt text, the legibility report, the style."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from labkit import figures, plot  # noqa: E402


@pytest.fixture(autouse=True)
def _style():
    plot.use_style()
    yield
    plt.close("all")


def test_every_course_colour_reaches_4_5_to_1_on_its_palette():
    for role in figures.LIGHT:
        if role == "paper":
            continue
        assert figures.contrast_ratio(figures.LIGHT[role], figures.BACKGROUND["light"]) >= 4.5, role
        assert figures.contrast_ratio(figures.DARK[role], figures.BACKGROUND["dark"]) >= 4.5, role


def test_render_swaps_the_palette_and_measures_what_a_reader_sees():
    fig, ax = plt.subplots(figsize=(plot.WIDTH, 3))
    for colour in plot.COLORS[:3]:
        ax.plot([0, 1], [0, 1], color=colour)
    ax.set_title(r"three lines of $\sigma(z)$")
    ax.set_xlabel("$z$")
    ax.set_ylabel("value")
    before = [line.get_color() for line in ax.get_lines()]
    report = figures.render(fig)
    assert report.light_png != report.dark_png
    assert report.contrast["light"] >= 4.5 and report.contrast["dark"] >= 4.5
    assert report.min_font_pt == 9.0
    assert report.width == pytest.approx(plot.WIDTH * 100, abs=40)
    assert report.alt == "three lines of σ(z) (value against z)"
    assert [line.get_color() for line in ax.get_lines()] == before  # the figure is left as it was


def test_a_colour_outside_the_palette_shows_in_the_report():
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], color="#bbbbbb")  # light grey: unreadable on white
    ax.set_title("pale")
    assert figures.render(fig).contrast["light"] < 4.5


def test_explicit_alt_text_wins_and_a_figure_without_titles_has_none():
    fig, ax = plt.subplots()
    ax.plot([0, 1])
    assert figures.alt_text(fig) == ""
    figures.set_alt(fig, "a rising line")
    assert figures.alt_text(fig) == "a rising line"
    with pytest.raises(ValueError, match="non-empty"):
        figures.set_alt(fig, " ")


def test_hidden_axes_do_not_count_towards_the_smallest_font():
    fig, axes = plt.subplots(1, 2)
    axes[0].axis("off")
    axes[0].set_title("an image", fontsize=9)
    axes[1].tick_params(labelsize=12)
    axes[1].set_title("a plot", fontsize=12)
    axes[1].set_xlabel("x", fontsize=12)
    axes[1].set_ylabel("y", fontsize=12)
    assert figures.render(fig).min_font_pt == 9.0


@pytest.mark.parametrize(("call", "error", "match"), [
    (lambda: figures.contrast_ratio("nope", "#ffffff"), ValueError, "foreground must be a colour"),
    (lambda: figures.contrast_ratio("#000", (1, 1, 1, 0.5)), ValueError, "opaque"),
    (lambda: figures.render("fig"), TypeError, "Figure"),
    (lambda: figures.alt_text(None), TypeError, "Figure"),
])
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call()


def test_decision_boundary_points_stay_distinct_from_their_region():
    X = torch.tensor([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = torch.tensor([0, 1, 0, 1])
    ax = plot.decision_boundary(lambda P: (P[:, 0] > 0.5).float(), X, y, title="a boundary")
    report = figures.render(ax.figure)
    assert report.contrast["light"] >= 4.5 and report.contrast["dark"] >= 4.5
    # class colour over its own region's tint, on both palettes
    for palette, paper in (("light", figures.LIGHT["paper"]), ("dark", figures.DARK["paper"])):
        colours = figures.LIGHT if palette == "light" else figures.DARK
        tint = figures._over((*matplotlib.colors.to_rgb(figures.LIGHT["blue"]), 0.3), paper)
        assert figures.contrast_ratio(colours["blue"], tint) >= 3.0, palette


def test_show_images_fits_the_column_and_plot_loss_checks_input():
    fig = plot.show_images(torch.rand(16, 28, 28), titles=[str(i) for i in range(16)], ncols=8)
    assert fig.get_figwidth() <= plot.WIDTH + 1e-9
    with pytest.raises(ValueError, match="non-empty 1-D"):
        plot.plot_loss([])
    with pytest.raises(ValueError, match="colour map"):
        plot.show_images(torch.rand(2, 4, 4), cmap="no-such-map")


def test_render_leaves_the_layout_alone_and_warns_nothing():
    """A figure laid out by hand (layout "none", as labkit.graph draws) keeps its layout: no
    tight_layout runs behind its back (it warned on the page as stderr once)."""
    fig = plt.figure(figsize=(3, 2), layout="none")
    ax = fig.add_axes((0.1, 0.1, 0.8, 0.8))
    ax.plot([0, 1])
    ax.set_title("by hand")
    engine = fig.get_layout_engine()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        figures.render(fig)
    assert fig.get_layout_engine() is engine
