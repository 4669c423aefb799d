"""``plot_perievent``: a raster of spikes around events and its peri-stimulus time
histogram (PSTH), or for a continuous signal, the aligned trials as an image and their
mean.

The alignment is :func:`memphys.compute_perievent` (only the rows in the windows are
read); the raster is one ``LineCollection`` with one vertical mark per spike, trial
``k`` (the ``k``-th event) on row ``k``.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> spikes = nap.Ts(t=np.array([0.5, 1.1, 1.2, 2.9, 3.05]))
>>> out = plot_perievent(spikes, nap.Ts(t=[1.0, 3.0]), window=0.5, binsize=0.1)
>>> len(out["raster"].get_segments()), out["counts"].sum()
(5, np.int64(5))
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from memphys._validation import value_error
from memphys.errors import MemphysTypeError
from memphys.plot._mpl import COLORS, TEXT, TRACE, pyplot, style_axes

__all__ = ["plot_perievent"]


def _axes(ax: Any, two: bool) -> tuple[Any, Any]:
    if ax is None:
        plt = pyplot()
        if two:
            _fig, (a, b) = plt.subplots(
                2, 1, sharex=True, figsize=(5.5, 5.0), layout="constrained",
                gridspec_kw={"height_ratios": [2.2, 1]},
            )  # fmt: skip
            return a, b
        _fig, a = plt.subplots(figsize=(5.5, 4.0), layout="constrained")
        return a, None
    if isinstance(ax, Sequence) or (isinstance(ax, np.ndarray) and ax.size == 2):
        a, b = list(np.ravel(np.asarray(ax, dtype=object)))
        return a, b
    return ax, None


def plot_perievent(
    data: Any,
    events: Any,
    window: Any,
    ax: Any = None,
    *,
    binsize: float | None = None,
    unit: Any = None,
    color: Any = None,
    time_unit: str = "s",
    **job_kwargs: Any,
) -> dict[str, Any]:
    """Draw ``data`` aligned on ``events``.

    Parameters
    ----------
    data : Ts, TsGroup, Tsd or TsdFrame
        Spike times (a Ts, or one unit of a TsGroup chosen by ``unit``), or a regularly
        sampled signal (a Tsd, or one column of a TsdFrame chosen by ``unit``).
    events : Ts or Tsd
        The reference times.
    window : float or (float, float)
        The window, as in :func:`memphys.compute_perievent`.
    ax : matplotlib Axes or a pair of Axes, optional
        Two axes: raster (or image) above, PSTH (or mean) below. One axes: the raster
        with the PSTH as a step line on a right-hand axis. None: a new figure with two.
    binsize : float, optional
        PSTH bin width (default: the window's length / 50).
    unit : optional
        The unit of a TsGroup, or the column of a TsdFrame.
    color : optional
    time_unit : {"s", "ms", "us"}
        Unit of ``window`` and ``binsize``.
    **job_kwargs
        For the alignment's reads of a lazy signal.

    Returns
    -------
    dict
        Spikes: ``{"raster" (LineCollection, one segment per spike), "psth" (artist),
        "counts", "bins", "rate" (Hz), "axes"}``. Signals: ``{"image", "mean",
        "aligned", "axes"}``.
    """
    from memphys.process.perievent import compute_perievent

    kind = type(data).__name__
    if kind == "TsGroup":
        if unit is None:
            if len(data) != 1:
                raise value_error("unit", f"one of the group's units {list(data.keys())}", unit)
            unit = next(iter(data.keys()))
        data = data[unit]
        kind = type(data).__name__
    if kind == "TsdFrame":
        if unit is None:
            if data.shape[1] != 1:
                raise value_error("unit", "the column of the TsdFrame to align", unit)
            unit = data.columns[0]
        data = data.loc[unit] if unit in list(data.columns) else data[:, int(unit)]
        kind = type(data).__name__
    if kind not in ("Ts", "Tsd"):
        raise MemphysTypeError(
            "Invalid type for `data`: expected a Ts, TsGroup, Tsd or TsdFrame, but got "
            f"{type(data).__name__}."
        )
    from memphys.core.time_index import TsIndex

    win = np.abs(np.atleast_1d(np.asarray(window, dtype=np.float64)))
    win = np.array([win[0], win[0]]) if win.size == 1 else win[:2]
    win_s = np.asarray(TsIndex.format_timestamps(win, time_unit), dtype=np.float64)
    width = float(win_s.sum())
    bin_s = (
        width / 50
        if binsize is None
        else float(TsIndex.format_timestamps(np.array([float(binsize)]), time_unit)[0])
    )
    if not bin_s > 0:
        raise value_error("binsize", "a positive duration", binsize)
    aligned = compute_perievent(data, events, tuple(win), time_unit=time_unit, **job_kwargs)
    c = color or TRACE
    if kind == "Ts":
        a, b = _axes(ax, two=True)
        rows = [np.asarray(aligned[k].t, dtype=np.float64) for k in aligned]
        n_trials = len(rows)
        t_all = np.concatenate(rows) if rows else np.zeros(0)
        trial = np.concatenate([np.full(len(r), k) for k, r in enumerate(rows)]) if rows else t_all
        segs = np.zeros((len(t_all), 2, 2))
        segs[:, :, 0] = t_all[:, None]
        segs[:, 0, 1] = trial - 0.4
        segs[:, 1, 1] = trial + 0.4
        from matplotlib.collections import LineCollection

        raster = LineCollection(list(segs), colors=c, linewidths=0.9)
        a.add_collection(raster)
        a.set_ylim(-0.8, n_trials - 0.2)
        a.set_xlim(-win_s[0], win_s[1])
        a.set_ylabel("event", color=TEXT)
        bins = np.arange(-win_s[0], win_s[1] + bin_s * 0.5, bin_s)
        counts, _ = np.histogram(t_all, bins)
        rate = counts / (max(n_trials, 1) * bin_s)
        target = b if b is not None else a.twinx()
        psth = target.stairs(rate, bins, fill=b is not None, color=COLORS[0], alpha=0.8)
        target.set_ylabel("rate (Hz)", color=TEXT)
        for axis in (a, target):
            axis.axvline(0.0, color=COLORS[1], lw=0.8, alpha=0.7)
            style_axes(axis)
        if b is None:
            target.spines["right"].set_visible(True)
        (b or a).set_xlabel("time from event (s)", color=TEXT)
        return {
            "raster": raster, "psth": psth, "counts": counts, "bins": bins, "rate": rate,
            "axes": (a, b if b is not None else target),
        }  # fmt: skip
    # a continuous signal: trials x time image, and the mean
    a, b = _axes(ax, two=True)
    values = np.asarray(aligned.values, dtype=np.float64)  # (n_window, n_events)
    t = np.asarray(aligned.t, dtype=np.float64)
    image = a.imshow(
        values.T, aspect="auto", origin="lower", cmap="RdBu_r",
        extent=(t[0], t[-1], -0.5, values.shape[1] - 0.5), interpolation="nearest",
    )  # fmt: skip
    a.set_ylabel("event", color=TEXT)
    target = b if b is not None else a.twinx()
    with np.errstate(all="ignore"):
        m = np.nanmean(values, axis=1)
    (mean,) = target.plot(t, m, color=COLORS[0], lw=1.5)
    for axis in (a, target):
        axis.axvline(0.0, color=COLORS[1], lw=0.8, alpha=0.7)
        style_axes(axis)
    (b or a).set_xlabel("time from event (s)", color=TEXT)
    return {"image": image, "mean": mean, "aligned": aligned, "axes": (a, target)}
