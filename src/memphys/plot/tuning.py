"""``plot_tuning_curves``: tuning curves as lines (one feature) or maps (two features).

Takes what :func:`memphys.compute_tuning_curves` returns (an ``xarray.DataArray`` with a
``unit`` dimension and one dimension per feature, bin centres as coordinates) or the
``pandas.DataFrame`` of the 1-D legacy functions (index: bin centres, a column per unit).

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> t = np.arange(0.0, 100.0, 0.1)
>>> feature = nap.Tsd(t=t, d=t % 1)
>>> group = nap.TsGroup({1: nap.Ts(t), 2: nap.Ts(np.arange(0.0, 100.0, 0.2))})
>>> tcs = nap.compute_tuning_curves(group, feature, bins=5)
>>> out = plot_tuning_curves(tcs)
>>> [line.get_ydata().tolist() for line in out["lines"]][1]
[5.0, 5.0, 5.0, 5.0, 5.0]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys._validation import value_error
from memphys.errors import MemphysTypeError
from memphys.plot._mpl import COLORS, TEXT, new_axes, pyplot, style_axes

__all__ = ["plot_tuning_curves"]


def _as_units(tc: Any) -> tuple[list[Any], list[np.ndarray], list[np.ndarray], list[str]]:
    """(unit labels, per-unit value arrays, feature coordinates, feature names)."""
    module = type(tc).__module__.split(".")[0]
    if module == "xarray":
        dims = list(tc.dims)
        if "unit" in dims:
            tc = tc.transpose("unit", *[d for d in dims if d != "unit"])
            units = list(np.asarray(tc.coords["unit"].values))
            values = [np.asarray(tc.values[k], dtype=np.float64) for k in range(len(units))]
            feats = [d for d in tc.dims if d != "unit"]
        else:
            units = [getattr(tc, "name", None) or ""]
            values = [np.asarray(tc.values, dtype=np.float64)]
            feats = list(tc.dims)
        coords = [
            np.asarray(tc.coords[d].values, dtype=np.float64)
            if d in tc.coords
            else np.arange(tc.sizes[d], dtype=np.float64)
            for d in feats
        ]
        return units, values, coords, [str(f) for f in feats]
    if module == "pandas" and hasattr(tc, "columns"):
        x = np.asarray(tc.index, dtype=np.float64)
        units = list(tc.columns)
        values = [np.asarray(tc[u].values, dtype=np.float64) for u in units]
        return units, values, [x], [str(tc.index.name or "feature")]
    raise MemphysTypeError(
        "Invalid type for `tuning_curves`: expected the xarray.DataArray of "
        "compute_tuning_curves or a pandas.DataFrame of 1-D tuning curves, but got "
        f"{type(tc).__name__}."
    )


def plot_tuning_curves(
    tuning_curves: Any,
    ax: Any = None,
    *,
    units: Any = None,
    polar: bool = False,
    cmap: str = "viridis",
    color: Any = None,
) -> dict[str, Any]:
    """Draw tuning curves.

    Parameters
    ----------
    tuning_curves : xarray.DataArray or pandas.DataFrame
        From :func:`memphys.compute_tuning_curves` (or the 1-D legacy functions).
    ax : matplotlib Axes, optional
        One feature: all units' curves in ``ax``. Two features: ``ax`` takes one unit's
        map; without ``ax`` a grid of maps, one per unit.
    units : sequence, optional
        The units to draw (default all).
    polar : bool, default False
        One feature in radians (head direction): a polar plot.
    cmap : str
        Colour map of 2-D maps.
    color : optional
        One colour for all 1-D curves.

    Returns
    -------
    dict
        ``{"lines": [Line2D per unit]}`` or ``{"images": [AxesImage per unit]}``, and
        ``"axes"``.
    """
    names, values, coords, feats = _as_units(tuning_curves)
    if units is not None:
        wanted = list(np.atleast_1d(np.asarray(units, dtype=object)))
        pos = {str(u): k for k, u in enumerate(names)}
        missing = [u for u in wanted if str(u) not in pos]
        if missing:
            raise value_error("units", f"units of the tuning curves {names}", missing)
        keep = [pos[str(u)] for u in wanted]
        names = [names[k] for k in keep]
        values = [values[k] for k in keep]
    if len(coords) == 1:
        if ax is None and polar:
            plt = pyplot()
            _, ax = plt.subplots(subplot_kw={"projection": "polar"}, figsize=(4.5, 4.5))
        ax = new_axes(ax, figsize=(6.0, 4.0))
        x = coords[0]
        lines = []
        for k, (name, v) in enumerate(zip(names, values, strict=True)):
            xs, ys = (np.append(x, x[0]), np.append(v, v[0])) if polar else (x, v)
            (line,) = ax.plot(
                xs, ys, color=color or COLORS[k % len(COLORS)], lw=1.4, label=str(name)
            )
            lines.append(line)
        if not polar:
            ax.set_xlabel(feats[0], color=TEXT)
            ax.set_ylabel("rate (Hz)", color=TEXT)
            style_axes(ax)
        if 1 < len(lines) <= 12:
            ax.legend(fontsize=7, frameon=False, title="unit", title_fontsize=7)
        return {"lines": lines, "axes": ax}
    if len(coords) != 2:
        raise value_error("tuning_curves", "one or two feature dimensions", f"{len(coords)}")
    n = len(names)
    if ax is not None:
        if n != 1:
            raise value_error("units", "one unit when `ax` is given for 2-D maps", names)
        axes = [new_axes(ax)]
    else:
        plt = pyplot()
        cols = int(np.ceil(np.sqrt(n)))
        rows = int(np.ceil(n / cols))
        _fig, grid = plt.subplots(
            rows, cols, figsize=(2.4 * cols, 2.2 * rows), squeeze=False, layout="constrained"
        )
        axes = list(grid.ravel())
        for extra in axes[n:]:
            extra.set_visible(False)
    x, y = coords
    images = []
    for k, (name, v) in enumerate(zip(names, values, strict=True)):
        a = axes[k]
        im = a.imshow(
            v.T, origin="lower", aspect="auto", cmap=cmap, interpolation="nearest",
            extent=(x[0], x[-1], y[0], y[-1]),
        )  # fmt: skip
        a.set_title(f"unit {name}", fontsize=8, color=TEXT)
        a.tick_params(labelsize=7)
        images.append(im)
    axes[0].figure.colorbar(images[-1], ax=axes[:n], shrink=0.8, label="rate (Hz)")
    return {"images": images, "axes": axes[:n]}
