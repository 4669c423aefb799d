"""A sorting analyzer's templates, waveforms and sparsity, drawn at the probe's layout.

Written against SpikeInterface 0.105's public analyzer API only, so that it draws a
``memphys.ephys`` SortingAnalyzer and SpikeInterface's own alike: ``unit_ids``,
``channel_ids``, ``get_channel_locations()``, ``sampling_frequency``, ``sparsity``
(``None`` or an object with a boolean ``mask`` of shape ``(n_units, n_channels)``),
``get_extension("templates").get_data(operator=...)`` (dense ``(n_units, n_samples,
n_channels)``) with its ``nbefore`` (or ``params["ms_before"]``), and
``get_extension("waveforms").get_waveforms_one_unit(unit_id)`` (``(n_spikes,
n_samples, n_channels_of_the_unit)``, the unit's sparse channels when the analyzer is
sparse).

Each waveform is drawn at its channel's location: ``x = x_channel + time * x_scale``,
``y = y_channel + value * y_scale`` (the scales are returned), so a unit's footprint on
the probe is seen at a glance, as in SpikeInterface's widgets.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys._validation import value_error
from memphys.errors import MemphysValueError
from memphys.plot._mpl import COLORS, TEXT, new_axes, pyplot, style_axes
from memphys.plot.traces import nice_number

__all__ = ["plot_sparsity", "plot_unit_templates", "plot_unit_waveforms"]


def _extension(analyzer: Any, name: str) -> Any:
    ext = analyzer.get_extension(name)
    if ext is None:
        raise MemphysValueError(
            f"Invalid value for `sorting_analyzer`: the {name!r} extension is not computed; "
            f'run sorting_analyzer.compute("{name}") first.'
        )
    return ext


def _unit_list(analyzer: Any, unit_ids: Any) -> list[Any]:
    all_ids = list(analyzer.unit_ids)
    if unit_ids is None:
        return all_ids
    wanted = list(np.atleast_1d(np.asarray(unit_ids, dtype=object)))
    missing = [u for u in wanted if u not in all_ids]
    if missing:
        raise value_error("unit_ids", f"ids of the analyzer's units {all_ids}", missing)
    return wanted


def _unit_channels(analyzer: Any, unit_index: int, templates: np.ndarray | None) -> np.ndarray:
    """Channel positions drawn for a unit: its sparsity, else all channels."""
    sparsity = getattr(analyzer, "sparsity", None)
    if sparsity is not None:
        return np.flatnonzero(np.asarray(sparsity.mask)[unit_index])
    n = len(analyzer.channel_ids)
    return np.arange(n)


def _nbefore(ext: Any, fs: float) -> int:
    nb = getattr(ext, "nbefore", None)
    if nb is not None:
        return int(nb)
    params = getattr(ext, "params", {}) or {}
    return round(float(params.get("ms_before", 1.0)) * fs / 1000.0)


def _scales(locations: np.ndarray, peak: float, n_samples: int) -> tuple[float, float]:
    """x_scale (µm per sample) and y_scale (µm per unit of amplitude) from the channel
    pitch: a waveform spans 80% of the horizontal pitch, its peak 90% of the vertical."""

    def pitch(v: np.ndarray) -> float:
        u = np.unique(np.round(v, 6))
        d = np.diff(u)
        return float(np.min(d)) if d.size else 0.0

    px = pitch(locations[:, 0]) or 20.0
    py = pitch(locations[:, 1]) or 20.0
    x_scale = 0.8 * px / max(n_samples, 1)
    y_scale = 0.9 * 2 * py / peak if peak > 0 else 1.0
    return x_scale, y_scale


def _grid(n: int, ax: Any, per: tuple[float, float]) -> list[Any]:
    if ax is not None:
        if isinstance(ax, list | tuple | np.ndarray):
            axes = list(np.ravel(np.asarray(ax, dtype=object)))
            if len(axes) < n:
                raise value_error("ax", f"{n} axes (one per unit) or a single one", len(axes))
            return axes[:n]
        return [new_axes(ax)] * n
    plt = pyplot()
    cols = min(n, 6)
    rows = int(np.ceil(n / cols))
    _fig, grid = plt.subplots(
        rows, cols, figsize=(per[0] * cols, per[1] * rows), squeeze=False, layout="constrained",
        sharex=True, sharey=True,
    )  # fmt: skip
    axes = list(grid.ravel())
    for extra in axes[n:]:
        extra.set_visible(False)
    return axes[:n]


def _finish_axes(a: Any, title: str) -> None:
    a.set_title(title, fontsize=8, color=TEXT)
    a.set_xticks([])
    a.tick_params(labelsize=6)
    style_axes(a)
    a.spines["bottom"].set_visible(False)


def plot_unit_templates(
    sorting_analyzer: Any,
    unit_ids: Any = None,
    ax: Any = None,
    *,
    operator: str = "average",
    shade_std: bool = True,
    y_scale: float | None = None,
    colors: Any = None,
) -> dict[str, Any]:
    """Draw units' templates at the channels' locations.

    Parameters
    ----------
    sorting_analyzer : SortingAnalyzer
        With the ``"templates"`` extension computed.
    unit_ids : sequence, optional
        Units to draw (default all).
    ax : matplotlib Axes or a sequence of them, optional
        One Axes: all units overlaid. One per unit: each unit in its own. None: a grid.
    operator : str, default "average"
        The template's operator (``"average"``, ``"median"`` ...).
    shade_std : bool, default True
        Shade ±1 standard deviation when the extension has ``"std"``.
    y_scale : float, optional
        µm per unit of amplitude (default: the largest peak spans 1.8 channel pitches).
    colors : optional
        A colour per unit (default: the palette).

    Returns
    -------
    dict
        ``{"axes", "lines" ({unit_id: [Line2D per channel]}), "channel_indices"
        ({unit_id: positions}), "x_scale", "y_scale", "nbefore", "scalebar" ([Line2D,
        Text] of the amplitude scale bar right of the last axes)}``. A grid's axes share
        their x and y (depth) axes.
    """
    ext = _extension(sorting_analyzer, "templates")
    templates = np.asarray(ext.get_data(operator=operator), dtype=np.float64)
    std = None
    if shade_std:
        try:
            std = np.asarray(ext.get_data(operator="std"), dtype=np.float64)
        except Exception:  # the extension may not hold "std"
            std = None
    return _draw(
        sorting_analyzer, templates, std, None, unit_ids, ax, y_scale, colors,
        _nbefore(ext, float(sorting_analyzer.sampling_frequency)), "templates",
    )  # fmt: skip


def plot_unit_waveforms(
    sorting_analyzer: Any,
    unit_ids: Any = None,
    ax: Any = None,
    *,
    max_spikes: int = 50,
    plot_templates: bool = True,
    y_scale: float | None = None,
    colors: Any = None,
    seed: int = 0,
) -> dict[str, Any]:
    """Draw units' individual waveforms (and their templates) at the channels' locations.

    Parameters
    ----------
    sorting_analyzer : SortingAnalyzer
        With the ``"waveforms"`` extension computed (``"templates"`` for the overlay).
    unit_ids : sequence, optional
    ax : matplotlib Axes or a sequence of them, optional
    max_spikes : int, default 50
        At most this many waveforms per unit (a random subset).
    plot_templates : bool, default True
        Overlay the average template.
    y_scale : float, optional
    colors : optional
    seed : int, default 0
        Seed of the subset.

    Returns
    -------
    dict
        As :func:`plot_unit_templates`, plus ``"waveforms"`` ({unit_id: LineCollection
        with one segment per (spike, channel)}) and ``"n_spikes"`` ({unit_id: drawn}).
    """
    wf_ext = _extension(sorting_analyzer, "waveforms")
    units = _unit_list(sorting_analyzer, unit_ids)
    rng = np.random.default_rng(seed)
    waveforms: dict[Any, np.ndarray] = {}
    for u in units:
        wf = np.asarray(wf_ext.get_waveforms_one_unit(u), dtype=np.float64)
        if len(wf) > max_spikes:
            wf = wf[np.sort(rng.choice(len(wf), max_spikes, replace=False))]
        waveforms[u] = wf
    templates = None
    if plot_templates and sorting_analyzer.get_extension("templates") is not None:
        templates = np.asarray(
            sorting_analyzer.get_extension("templates").get_data(operator="average"),
            dtype=np.float64,
        )
    fs = float(sorting_analyzer.sampling_frequency)
    return _draw(
        sorting_analyzer, templates, None, waveforms, units, ax, y_scale, colors,
        _nbefore(wf_ext, fs), "waveforms",
    )  # fmt: skip


def _draw(
    analyzer: Any,
    templates: np.ndarray | None,
    std: np.ndarray | None,
    waveforms: dict[Any, np.ndarray] | None,
    unit_ids: Any,
    ax: Any,
    y_scale: float | None,
    colors: Any,
    nbefore: int,
    what: str,
) -> dict[str, Any]:
    from matplotlib.collections import LineCollection

    units = _unit_list(analyzer, unit_ids)
    all_ids = list(analyzer.unit_ids)
    locations = np.asarray(analyzer.get_channel_locations(), dtype=np.float64)[:, :2]
    channels = {u: _unit_channels(analyzer, all_ids.index(u), templates) for u in units}
    if waveforms is not None:
        n_samples = next(iter(waveforms.values())).shape[1] if waveforms else 1
        peaks = [np.nanmax(np.abs(w)) for w in waveforms.values() if w.size]
        for u, w in waveforms.items():
            if w.shape[2] != len(channels[u]):  # dense waveforms of a sparse analyzer
                if w.shape[2] == len(locations):
                    waveforms[u] = w[:, :, channels[u]]
                else:
                    channels[u] = np.arange(w.shape[2])
    else:
        assert templates is not None
        n_samples = templates.shape[1]
        peaks = [np.nanmax(np.abs(templates[all_ids.index(u)][:, channels[u]])) for u in units]
    peak = float(np.nanmax(peaks)) if peaks else 1.0
    x_scale, auto_y = _scales(locations, peak, n_samples)
    ys = float(y_scale) if y_scale is not None else auto_y
    axes = _grid(len(units), ax, per=(2.2, 3.6))
    t = (np.arange(n_samples) - nbefore) * x_scale
    out_lines: dict[Any, list[Any]] = {}
    out_wf: dict[Any, Any] = {}
    n_drawn: dict[Any, int] = {}
    for k, u in enumerate(units):
        a = axes[k]
        c = colors[k] if colors is not None else COLORS[k % len(COLORS)]
        chans = channels[u]
        if waveforms is not None:
            w = waveforms[u]
            segs = []
            for s in range(len(w)):
                for j, ch in enumerate(chans):
                    x0, y0 = locations[ch]
                    segs.append(np.column_stack([x0 + t, y0 + w[s, :, j] * ys]))
            coll = LineCollection(segs, colors=c, linewidths=0.4, alpha=0.25)
            a.add_collection(coll)
            out_wf[u] = coll
            n_drawn[u] = len(w)
        lines = []
        if templates is not None:
            tpl = templates[all_ids.index(u)]
            sd = std[all_ids.index(u)] if std is not None else None
            line_color = "#222222" if waveforms is not None else c
            for ch in chans:
                x0, y0 = locations[ch]
                if sd is not None:
                    low = y0 + (tpl[:, ch] - sd[:, ch]) * ys
                    high = y0 + (tpl[:, ch] + sd[:, ch]) * ys
                    a.fill_between(x0 + t, low, high, color=c, alpha=0.2, lw=0)
                (line,) = a.plot(x0 + t, y0 + tpl[:, ch] * ys, color=line_color, lw=1.0)
                lines.append(line)
        out_lines[u] = lines
        if len(set(map(id, axes))) > 1 or len(units) == 1:
            _finish_axes(a, f"unit {u}")
        a.autoscale_view()
    if len(set(map(id, axes))) == 1 and len(units) > 1:
        _finish_axes(axes[0], f"{len(units)} units")
    axes[0].set_ylabel("depth (µm)", color=TEXT, fontsize=7)
    in_uv = getattr(analyzer, "return_in_uV", getattr(analyzer, "return_scaled", True))
    result: dict[str, Any] = {
        "axes": axes, "lines": out_lines, "channel_indices": channels, "x_scale": x_scale,
        "y_scale": ys, "nbefore": nbefore,
        "scalebar": _scalebar(axes[-1], peak, ys, " µV" if in_uv else ""),
    }  # fmt: skip
    if waveforms is not None:
        result["waveforms"] = out_wf
        result["n_spikes"] = n_drawn
    return result


def _scalebar(ax: Any, peak: float, y_scale: float, unit: str) -> list[Any]:
    """An amplitude scale bar right of ``ax``, at the bottom of its drawn range: a round
    amplitude near half the largest peak, ``amplitude * y_scale`` µm high (data units)."""
    if not (np.isfinite(peak) and peak > 0):
        return []
    bar = nice_number(peak / 2)
    low = ax.dataLim.y0 if np.isfinite(ax.dataLim.y0) else 0.0
    trans = ax.get_yaxis_transform()  # x in axes, y in data
    (line,) = ax.plot(
        [1.04, 1.04], [low, low + bar * y_scale], transform=trans, color=TEXT, lw=1.5,
        clip_on=False,
    )  # fmt: skip
    text = ax.text(
        1.07, low + bar * y_scale / 2, f"{bar:g}{unit}", transform=trans, va="center",
        ha="left", fontsize=7, color=TEXT, clip_on=False,
    )  # fmt: skip
    return [line, text]


def plot_sparsity(
    sorting_analyzer: Any,
    ax: Any = None,
    *,
    unit_ids: Any = None,
    cmap: str = "Blues",
) -> dict[str, Any]:
    """Draw the analyzer's sparsity: a units x channels map of the channels kept per unit.

    Parameters
    ----------
    sorting_analyzer : SortingAnalyzer or ChannelSparsity
        The analyzer (dense: every channel kept), or a sparsity with ``mask``,
        ``unit_ids`` and ``channel_ids``.
    ax : matplotlib Axes, optional
    unit_ids : sequence, optional
    cmap : str

    Returns
    -------
    dict
        ``{"ax", "image" (AxesImage of the mask, units as rows), "mask"}``.
    """
    obj = sorting_analyzer
    if hasattr(obj, "mask") and not hasattr(obj, "get_extension"):
        mask = np.asarray(obj.mask, dtype=bool)
        all_units = list(obj.unit_ids)
        channel_ids = np.asarray(obj.channel_ids)
    else:
        sp = getattr(obj, "sparsity", None)
        all_units = list(obj.unit_ids)
        channel_ids = np.asarray(obj.channel_ids)
        mask = (
            np.ones((len(all_units), len(channel_ids)), dtype=bool)
            if sp is None
            else np.asarray(sp.mask, dtype=bool)
        )
    units = all_units if unit_ids is None else _unit_list_plain(all_units, unit_ids)
    rows = [all_units.index(u) for u in units]
    mask = mask[rows]
    ax = new_axes(ax, figsize=(min(12.0, 2 + 0.12 * len(channel_ids)), 1 + 0.25 * len(units)))
    image = ax.imshow(
        mask.astype(np.float64), aspect="auto", cmap=cmap, vmin=0, vmax=1,
        interpolation="nearest", origin="upper",
    )  # fmt: skip
    ax.set_yticks(np.arange(len(units)))
    ax.set_yticklabels([str(u) for u in units], fontsize=6)
    every = max(1, int(np.ceil(len(channel_ids) / 32)))
    ax.set_xticks(np.arange(0, len(channel_ids), every))
    ax.set_xticklabels([str(c) for c in channel_ids[::every]], fontsize=6, rotation=90)
    ax.set_xlabel("channel", color=TEXT)
    ax.set_ylabel("unit", color=TEXT)
    ax.set_title(
        f"sparsity: {mask.sum(axis=1).mean():.1f} of {len(channel_ids)} channels per unit",
        fontsize=9, color=TEXT,
    )  # fmt: skip
    return {"ax": ax, "image": image, "mask": mask}


def _unit_list_plain(all_units: list[Any], unit_ids: Any) -> list[Any]:
    wanted = list(np.atleast_1d(np.asarray(unit_ids, dtype=object)))
    missing = [u for u in wanted if u not in all_units]
    if missing:
        raise value_error("unit_ids", f"ids of the units {all_units}", missing)
    return wanted
