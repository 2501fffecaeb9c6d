"""Figure style shared by every plot radiome draws: colour-blind-safe, vector-friendly.

The palette is Okabe & Ito's (2008) eight colours, distinguishable under the common forms of
colour-vision deficiency. matplotlib is imported lazily, with the non-interactive Agg backend
when no backend has been chosen, so plotting works on a headless machine.
"""

from __future__ import annotations

from typing import Any

__all__ = ["PALETTE", "LINESTYLES", "color", "get_axes", "apply_style"]

#: Okabe-Ito colours, in the order series are drawn.
PALETTE: tuple[str, ...] = (
    "#0072B2",  # blue
    "#D55E00",  # vermillion
    "#009E73",  # bluish green
    "#CC79A7",  # reddish purple
    "#E69F00",  # orange
    "#56B4E9",  # sky blue
    "#F0E442",  # yellow
    "#000000",  # black
)

#: Line styles cycled together with the colours, so series also differ in greyscale print.
LINESTYLES: tuple[str, ...] = ("-", "--", "-.", ":", (0, (5, 1)), (0, (3, 1, 1, 1, 1, 1)))

_RC = {
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "xtick.labelsize": 9,
    "ytick.labelsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "savefig.dpi": 300,
    "svg.fonttype": "none",
    "pdf.fonttype": 42,
}


def color(i: int) -> str:
    """The i-th series colour (cycling)."""
    return PALETTE[i % len(PALETTE)]


def apply_style() -> None:
    """Apply radiome's rcParams (fonts, spines, export settings) to matplotlib."""
    import matplotlib

    matplotlib.rcParams.update(_RC)


def get_axes(ax: Any = None, figsize: tuple[float, float] = (4.5, 4.0)) -> Any:
    """Return ``ax`` if given, else a new styled figure's axes (headless-safe)."""
    if ax is not None:
        return ax
    import matplotlib

    if matplotlib.get_backend().lower() not in {"agg", "svg", "pdf", "cairo", "module://matplotlib_inline.backend_inline"}:
        try:
            matplotlib.use("Agg")
        except Exception:  # pragma: no cover - a backend already in use
            pass
    import matplotlib.pyplot as plt

    apply_style()
    fig, new_ax = plt.subplots(figsize=figsize, layout="constrained")
    return new_ax
