"""matplotlib, imported on first use, headless (Agg) when there is no display.

Nothing in :mod:`memphys.plot` imports matplotlib at module level: each function calls
:func:`pyplot` or :func:`new_axes`, which import it then. Without a display (no
``DISPLAY``/``WAYLAND_DISPLAY`` on Linux) and without a backend chosen by the user
(``MPLBACKEND`` or an earlier ``import matplotlib.pyplot``), the ``Agg`` backend is
selected before pyplot is imported, so figures draw and save on servers and in CI.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from memphys._validation import check_type

__all__ = ["COLORS", "TEXT", "new_axes", "pyplot", "use_headless_if_needed"]

#: Colours of memphys's figures: traces, and then the series of a categorical palette.
TRACE = "#1f2a44"
COLORS = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#9467bd",
    "#ff7f0e",
    "#17becf",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
)
TEXT = "#333333"


def _headless() -> bool:
    if sys.platform.startswith("linux"):
        return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return False


def use_headless_if_needed() -> None:
    """Select ``Agg`` when there is no display and the user chose no backend."""
    if "matplotlib.pyplot" in sys.modules or os.environ.get("MPLBACKEND"):
        return
    import matplotlib

    if _headless():
        matplotlib.use("Agg")


def pyplot() -> Any:
    """``matplotlib.pyplot``, imported now (headless when there is no display)."""
    use_headless_if_needed()
    import matplotlib.pyplot as plt

    return plt


def new_axes(ax: Any = None, figsize: tuple[float, float] = (8.0, 4.0)) -> Any:
    """``ax`` if given (checked), else the axes of a new pyplot figure of ``figsize``."""
    if ax is not None:
        from matplotlib.axes import Axes

        check_type("ax", ax, Axes, "a matplotlib Axes")
        return ax
    plt = pyplot()
    _, new = plt.subplots(figsize=figsize, layout="constrained")
    return new


def axes_pixels(ax: Any) -> int:
    """Width of ``ax`` in pixels at its figure's dpi (at least 100)."""
    fig = ax.figure
    try:
        width = ax.get_position().width * fig.get_figwidth() * fig.dpi
    except Exception:  # pragma: no cover - exotic axes
        width = 800.0
    return max(100, round(width))


def style_axes(ax: Any) -> None:
    """memphys's look: no top/right spines, light grey ticks."""
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    ax.tick_params(colors=TEXT, labelsize=8)
    for side in ("left", "bottom"):
        ax.spines[side].set_color("#888888")
