"""``plot_traces``: a window of a Tsd, TsdFrame or recording, of any length, in bounded memory.

A window with at most four samples per pixel column is read once and drawn sample by
sample. A longer one is drawn as its envelope: the minimum and maximum of the samples in
each pixel column, computed through the engine by :class:`~memphys.plot.EnvelopeOp`
(one pass over the window's rows in blocks, any executor), so an hour of a 384-channel
probe costs a few MB. Channels are stacked with a common spacing; when a probe (channel
locations) is known they are stacked by depth, the tip at the bottom, otherwise in order
with the first channel at the top. Recordings with gains are drawn in µV.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> x = nap.TsdFrame(d=np.arange(20.0).reshape(10, 2), rate=10.0)
>>> out = plot_traces(x, 0.0, 0.5)
>>> out.mode, out.channel_ids.tolist(), len(out.times)
('lines', [0, 1], 6)
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np

from memphys._validation import check_option, value_error
from memphys.errors import MemphysTypeError
from memphys.plot._mpl import COLORS, TEXT, TRACE, axes_pixels, new_axes, style_axes
from memphys.plot.envelope import column_edges, trace_envelope

__all__ = ["TracesPlot", "plot_traces", "nice_number"]

MODES = ("auto", "lines", "envelope")

#: ``mode="auto"`` draws samples up to this many per pixel column, the envelope beyond.
LINES_PER_COLUMN = 4


@dataclasses.dataclass
class TracesPlot:
    """What :func:`plot_traces` drew.

    Attributes
    ----------
    ax : matplotlib Axes
    mode : {"lines", "envelope"}
    artists : list
        One artist per drawn channel, in the order of ``channel_ids``: a ``Line2D``
        (lines) or the ``PolyCollection`` of ``fill_between`` (envelope).
    channel_ids : numpy.ndarray
        The drawn channels (ids of a recording, columns of a TsdFrame).
    channel_indices : numpy.ndarray
        Their positions in the source.
    offsets : numpy.ndarray
        Vertical offset added to each drawn channel.
    spacing : float
        Distance between neighbouring channels.
    times : numpy.ndarray or None
        Lines: the times of the samples drawn.
    edges : numpy.ndarray or None
        Envelope: the ``n_columns + 1`` times bounding the columns.
    row_edges : numpy.ndarray or None
        Envelope: the rows bounding the columns (column ``k`` holds rows
        ``[row_edges[k], row_edges[k + 1])`` of the source).
    values : numpy.ndarray or None
        Lines: the samples drawn, ``(n_times, n_channels)``, before offsets.
    envelope : tuple of numpy.ndarray or None
        Envelope: ``(low, high)``, each ``(n_columns, n_channels)``, before offsets.
    events : list
        Artists of the event markers.
    scalebar : list
        Artists of the amplitude scale bar.
    units : str
        Unit of the values (``"uV"`` for scaled recordings, else ``""``).
    """

    ax: Any
    mode: str
    artists: list[Any]
    channel_ids: np.ndarray
    channel_indices: np.ndarray
    offsets: np.ndarray
    spacing: float
    times: np.ndarray | None = None
    edges: np.ndarray | None = None
    row_edges: np.ndarray | None = None
    values: np.ndarray | None = None
    envelope: tuple[np.ndarray, np.ndarray] | None = None
    events: list[Any] = dataclasses.field(default_factory=list)
    scalebar: list[Any] = dataclasses.field(default_factory=list)
    units: str = ""


@dataclasses.dataclass
class _Source:
    """A traces source seen uniformly: rows by a time index, channels with metadata."""

    index: Any  # a memphys TimeIndex (searchsorted, take)
    array: Any  # a memphys LazyArray (read(start, stop, channels))
    channel_ids: np.ndarray
    locations: np.ndarray | None
    groups: np.ndarray | None
    gains: np.ndarray | None = None
    offsets: np.ndarray | None = None
    units: str = ""
    epochs: tuple[np.ndarray, np.ndarray] | None = None  # time support of a series


def nice_number(x: float) -> float:
    """The 1, 2 or 5 times a power of ten nearest below ``x`` (for scale bars).

    >>> nice_number(730.0), nice_number(0.032), nice_number(1.0)
    (500.0, 0.02, 1.0)
    """
    if not np.isfinite(x) or x <= 0:
        return 1.0
    p = 10.0 ** np.floor(np.log10(x))
    for m in (5.0, 2.0, 1.0):
        if m * p <= x * (1 + 1e-12):
            return float(m * p)
    return float(p)  # pragma: no cover


def _is_recording(obj: Any) -> bool:
    return hasattr(obj, "get_traces") and hasattr(obj, "get_num_segments")


def _probe_locations(probe: Any, n_channels: int) -> tuple[np.ndarray, np.ndarray | None]:
    """Channel locations (n_channels, 2) and shank ids from a probeinterface Probe/ProbeGroup."""
    probes = list(getattr(probe, "probes", [probe]))
    locs = np.full((n_channels, 2), np.nan)
    groups = np.zeros(n_channels, dtype=np.int64)
    pos = 0
    for g, p in enumerate(probes):
        xy = np.asarray(p.contact_positions, dtype=np.float64)[:, :2]
        dci = getattr(p, "device_channel_indices", None)
        idx = np.arange(pos, pos + len(xy)) if dci is None else np.asarray(dci, dtype=np.int64)
        pos += len(xy)
        ok = (idx >= 0) & (idx < n_channels)
        locs[idx[ok]] = xy[ok]
        shanks = getattr(p, "shank_ids", None)
        if shanks is not None and len(shanks) and np.all(np.asarray(shanks) != ""):
            groups[idx[ok]] = g * 1000 + np.unique(np.asarray(shanks), return_inverse=True)[1][ok]
        else:
            groups[idx[ok]] = g
    if np.isnan(locs).any():
        raise value_error(
            "probe",
            f"a contact wired to each of the {n_channels} channels (device_channel_indices)",
            f"{int(np.isnan(locs[:, 0]).sum())} channels without a contact",
        )
    return locs, groups


def _series_source(obj: Any, probe: Any) -> _Source:
    from memphys.core.blocks import source_of

    kind = type(obj).__name__
    if kind not in ("Tsd", "TsdFrame"):
        raise MemphysTypeError(
            "Invalid type for `obj`: expected a Tsd, a TsdFrame or a memphys.ephys recording, "
            f"but got {kind}."
        )
    n_ch = 1 if kind == "Tsd" else int(obj.shape[1])
    ids = np.arange(1) if kind == "Tsd" else np.asarray(obj.columns)
    locs = groups = None
    meta = list(getattr(obj, "metadata_columns", []) or []) if kind == "TsdFrame" else []
    if probe is not None:
        locs, groups = _probe_locations(probe, n_ch)
    elif "y" in meta or "depth" in meta:
        y = np.asarray(obj.get_info("y" if "y" in meta else "depth"), dtype=np.float64)
        x = np.asarray(obj.get_info("x"), dtype=np.float64) if "x" in meta else np.zeros(n_ch)
        locs = np.column_stack([x, y])
    if groups is None:
        for name in ("group", "shank"):
            if name in meta:
                groups = np.unique(np.asarray(obj.get_info(name)), return_inverse=True)[1]
                break
    support = obj.time_support
    epochs = (np.asarray(support.start, np.float64), np.asarray(support.end, np.float64))
    return _Source(
        obj.time_index, source_of(obj.values), ids, locs, groups, units="", epochs=epochs
    )


def _recording_source(rec: Any, segment_index: int | None, return_in_uV: bool | None) -> _Source:
    from memphys.core.time_index import ExplicitTimeIndex, RegularTimeIndex

    n_seg = rec.get_num_segments()
    if segment_index is None:
        if n_seg > 1:
            raise value_error(
                "segment_index", f"one of 0 .. {n_seg - 1} (the recording has {n_seg})", None
            )
        segment_index = 0
    seg = int(segment_index)
    if not 0 <= seg < n_seg:
        raise value_error("segment_index", f"one of 0 .. {n_seg - 1}", segment_index)
    n = int(rec.get_num_samples(segment_index=seg))
    index: Any
    if rec.has_time_vector(segment_index=seg):
        index = ExplicitTimeIndex(np.asarray(rec.get_times(segment_index=seg)), check=False)
    else:
        t0 = float(rec.get_start_time(segment_index=seg))
        index = RegularTimeIndex(start=t0, rate=float(rec.get_sampling_frequency()), n=n)
    locs = groups = None
    if rec.has_probe():
        locs = np.asarray(rec.get_channel_locations(), dtype=np.float64)[:, :2]
    elif "location" in rec.get_property_keys():
        locs = np.asarray(rec.get_property("location"), dtype=np.float64)[:, :2]
    if "group" in rec.get_property_keys():
        groups = np.unique(np.asarray(rec.get_property("group")), return_inverse=True)[1]
    scale = rec.has_scaleable_traces() if return_in_uV is None else bool(return_in_uV)
    gains = offsets = None
    units = ""
    if scale:
        if rec.has_scaleable_traces():
            gains = np.asarray(rec.get_channel_gains(), dtype=np.float32)
            offsets = np.asarray(rec.get_channel_offsets(), dtype=np.float32)
            units = "uV"
        elif np.dtype(rec.get_dtype()).kind != "f":
            raise value_error("return_in_uV", "False for a recording without gains", return_in_uV)
    return _Source(
        index,
        rec.traces_array(segment_index=seg),
        np.asarray(rec.channel_ids),
        locs,
        groups,
        gains,
        offsets,
        units,
    )


def _select(channels: Any, n: int) -> np.ndarray:
    """Positions of the selected channels (None: all; an int, a slice or integers)."""
    if channels is None:
        return np.arange(n)
    if isinstance(channels, slice):
        return np.arange(n)[channels]
    sel = np.atleast_1d(np.asarray(channels))
    if sel.dtype.kind not in "iu" or sel.ndim != 1:
        raise value_error("channels", "positions: an int, a slice or integers", channels)
    if sel.size and (sel.min() < -n or sel.max() >= n):
        raise value_error("channels", f"positions in [0, {n})", channels)
    return np.where(sel < 0, sel + n, sel)


def _scale(values: np.ndarray, src: _Source, idx: np.ndarray) -> np.ndarray:
    """Values in µV as the recording scales them (float32 ``x * gain + offset``)."""
    if src.gains is None or src.offsets is None:
        return values
    g = src.gains[idx]
    o = src.offsets[idx]
    out = values.astype(np.float32) * g
    if np.any(o != 0):
        out = out + o
    return out


def _order(src: _Source, idx: np.ndarray, by_depth: bool) -> tuple[np.ndarray, bool]:
    """Rank of each selected channel from the bottom: by depth (y, then x) with locations,
    else the first channel at the top."""
    n = len(idx)
    if by_depth and src.locations is not None:
        loc = src.locations[idx]
        order = np.lexsort((loc[:, 0], loc[:, 1]))  # deepest (smallest y) first
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(n)
        return rank, True
    return np.arange(n)[::-1].copy(), False


def _spread(low: np.ndarray, high: np.ndarray) -> float:
    """A robust amplitude of the drawn values: the median over channels of the spread
    between the typical low and the typical high."""
    with np.errstate(all="ignore"):
        lo = np.nanquantile(low, 0.05, axis=0) if low.ndim == 2 else low
        hi = np.nanquantile(high, 0.95, axis=0) if high.ndim == 2 else high
        s = np.asarray(hi, dtype=np.float64) - np.asarray(lo, dtype=np.float64)
    s = s[np.isfinite(s) & (s > 0)]
    return float(np.median(s)) if s.size else 1.0


def _breaks(times: np.ndarray, epochs: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """Positions after which a line must break (the next sample is in another epoch)."""
    if epochs is None or len(epochs[0]) < 2 or len(times) < 2:
        return np.zeros(0, dtype=np.int64)
    which = np.searchsorted(epochs[0], times, side="right")
    return np.flatnonzero(np.diff(which) != 0)


def plot_traces(
    obj: Any,
    start: float | None = None,
    end: float | None = None,
    channels: Any = None,
    *,
    channel_ids: Any = None,
    segment_index: int | None = None,
    events: Any = None,
    ax: Any = None,
    mode: str = "auto",
    spacing: float | None = None,
    order_by_depth: bool = True,
    probe: Any = None,
    return_in_uV: bool | None = None,
    color: Any = None,
    n_columns: int | None = None,
    scalebar: bool = True,
    title: str | None = None,
    **job_kwargs: Any,
) -> TracesPlot:
    """Draw the traces of ``obj`` between ``start`` and ``end`` (seconds).

    Parameters
    ----------
    obj : Tsd, TsdFrame or memphys.ephys recording
        In memory or lazy (memmap, zarr, HDF5, a recording of any size).
    start, end : float, optional
        The window in seconds (default: the whole of ``obj``).
    channels : int, slice or sequence of int, optional
        Positions of the channels to draw (default all).
    channel_ids : sequence, optional
        A recording's channel ids to draw (instead of ``channels``).
    segment_index : int, optional
        Segment of a recording (required when it has several).
    events : Ts, Tsd, IntervalSet, ephys event, array or dict of them, optional
        Marked on the time axis (:func:`~memphys.plot.plot_events`).
    ax : matplotlib Axes, optional
        Where to draw (default: a new figure).
    mode : {"auto", "lines", "envelope"}
        ``"auto"`` draws samples when the window has at most four per pixel column of
        ``ax`` and the envelope otherwise.
    spacing : float, optional
        Vertical distance between channels (default: from the amplitude of the drawn
        values).
    order_by_depth : bool, default True
        Stack channels by depth when locations are known (a recording's probe,
        ``probe=``, or a TsdFrame's ``y``/``depth`` metadata): the deepest at the bottom.
    probe : probeinterface Probe or ProbeGroup, optional
        Channel locations for a Tsd/TsdFrame (contacts wired by
        ``device_channel_indices``).
    return_in_uV : bool, optional
        Scale a recording to µV (default: when it has gains).
    color : optional
        One colour for all traces (default: one per shank when there are several).
    n_columns : int, optional
        Columns of the envelope (default: the width of ``ax`` in pixels).
    scalebar : bool, default True
        Draw an amplitude scale bar at the right.
    title : str, optional
    **job_kwargs
        For the envelope's pass: ``n_jobs``, ``pool_engine``, ``progress_bar``,
        ``chunk_size`` ...

    Returns
    -------
    TracesPlot
        The axes, the artists (one per channel), the offsets and the values drawn.

    Raises
    ------
    TypeError
        ``obj`` is not a Tsd, TsdFrame or recording.
    ValueError
        An empty or inverted window, channels out of range, ``mode="lines"`` for more
        samples than the memory budget holds.
    """
    check_option("mode", mode, MODES)
    if _is_recording(obj):
        src = _recording_source(obj, segment_index, return_in_uV)
    else:
        src = _series_source(obj, probe)
    n_ch = len(src.channel_ids)
    if channel_ids is not None:
        wanted = list(np.atleast_1d(np.asarray(channel_ids)))
        known = {c: i for i, c in enumerate(src.channel_ids.tolist())}
        missing = [c for c in wanted if c not in known]
        if missing:
            raise value_error("channel_ids", "ids of the recording's channels", missing)
        idx = np.asarray([known[c] for c in wanted], dtype=np.int64)
    else:
        idx = _select(channels, n_ch)
    if idx.size == 0:
        raise value_error("channels", "at least one channel", channels)
    n_rows = len(src.index)
    if n_rows == 0:
        raise value_error("obj", "a series with samples", "an empty series")
    t_first = float(src.index.take(np.array([0]))[0])
    t_last = float(src.index.take(np.array([n_rows - 1]))[0])
    start = t_first if start is None else float(start)
    end = t_last if end is None else float(end)
    if not (np.isfinite(start) and np.isfinite(end) and end > start):
        raise value_error("start, end", "finite times in seconds with end > start", (start, end))
    i0 = int(src.index.searchsorted(start, "left"))
    i1 = int(src.index.searchsorted(end, "right"))
    ax = new_axes(ax, figsize=(10.0, min(8.0, 1.5 + 0.25 * len(idx))))
    columns = int(n_columns) if n_columns is not None else axes_pixels(ax)
    if mode == "auto":
        mode = "lines" if i1 - i0 <= LINES_PER_COLUMN * columns else "envelope"
    sel: Any = slice(int(idx[0]), int(idx[-1]) + 1) if _contiguous(idx) else idx
    if len(src.array.shape) == 1:
        sel = None
    result = TracesPlot(ax, mode, [], src.channel_ids[idx], idx, np.zeros(len(idx)), 1.0)
    result.units = src.units
    if mode == "lines":
        from memphys.core.blocks import memory_budget, memory_budget_error

        nbytes = (i1 - i0) * len(idx) * 8
        if nbytes > memory_budget():
            raise memory_budget_error(f"plot_traces(mode='lines') of {i1 - i0} rows", nbytes, obj)
        values = np.asarray(src.array.read(i0, i1, sel)).reshape(i1 - i0, -1)
        values = _scale(values, src, idx)
        times = np.asarray(src.index.take(np.arange(i0, i1)), dtype=np.float64)
        result.times, result.values = times, values
        amp = _spread(values, values) if len(values) else 1.0
    else:
        edges = column_edges(start, end, columns)
        row_edges = np.asarray(src.index.searchsorted(edges, "left"), dtype=np.int64)
        row_edges[-1] = i1
        row_edges = np.clip(row_edges, i0, i1)
        lo, hi = trace_envelope(src.array, row_edges, channels=sel, **job_kwargs)
        if lo.shape[1] == 0:
            lo = np.full((columns, len(idx)), np.nan)
            hi = lo.copy()
        if src.gains is not None:
            slo, shi = _scale(lo, src, idx), _scale(hi, src, idx)
            lo, hi = np.fmin(slo, shi).astype(np.float64), np.fmax(slo, shi).astype(np.float64)
            lo[np.isnan(slo)] = np.nan
            hi[np.isnan(shi)] = np.nan
        result.edges, result.row_edges, result.envelope = edges, row_edges, (lo, hi)
        amp = _spread(lo, hi)
    step = float(spacing) if spacing is not None else (1.1 if mode == "lines" else 1.3) * amp
    rank, by_depth = _order(src, idx, order_by_depth)
    offsets = rank * step
    result.offsets, result.spacing = offsets.astype(np.float64), step
    colors = _colors(src, idx, color)
    if mode == "lines":
        assert result.times is not None
        assert result.values is not None
        t = result.times
        brk = _breaks(t, src.epochs)
        for j in range(len(idx)):
            y = result.values[:, j].astype(np.float64) + offsets[j]
            xs = t
            if brk.size:
                xs = np.insert(t, brk + 1, np.nan)
                y = np.insert(y, brk + 1, np.nan)
            (line,) = ax.plot(xs, y, color=colors[j], linewidth=0.6)
            result.artists.append(line)
    else:
        assert result.edges is not None
        assert result.envelope is not None
        centers = 0.5 * (result.edges[:-1] + result.edges[1:])
        lo, hi = result.envelope
        for j in range(len(idx)):
            coll = ax.fill_between(
                centers,
                lo[:, j] + offsets[j],
                hi[:, j] + offsets[j],
                color=colors[j],
                linewidth=0.3,
                edgecolor=colors[j],
            )
            result.artists.append(coll)
    _decorate(ax, result, start, end, by_depth, scalebar, title)
    if events is not None:
        from memphys.plot.events import plot_events

        result.events = plot_events(events, ax, start, end, segment_index=segment_index or 0)
        if any(a.get_label() and not a.get_label().startswith("_") for a in result.events):
            ax.legend(
                loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=6, fontsize=7, frameon=False
            )
    return result


def _contiguous(idx: np.ndarray) -> bool:
    return bool(len(idx) and np.array_equal(idx, np.arange(idx[0], idx[0] + len(idx))))


def _colors(src: _Source, idx: np.ndarray, color: Any) -> list[Any]:
    if color is not None:
        return [color] * len(idx)
    if src.groups is not None and len(np.unique(src.groups[idx])) > 1:
        g = np.unique(src.groups[idx], return_inverse=True)[1]
        return [COLORS[int(k) % len(COLORS)] for k in g]
    return [TRACE] * len(idx)


def _decorate(
    ax: Any,
    result: TracesPlot,
    start: float,
    end: float,
    by_depth: bool,
    scalebar: bool,
    title: str | None,
) -> None:
    style_axes(ax)
    ax.set_xlim(start, end)
    n = len(result.offsets)
    step = result.spacing
    ax.set_ylim(result.offsets.min() - 0.8 * step, result.offsets.max() + 0.8 * step)
    order = np.argsort(result.offsets)
    every = max(1, int(np.ceil(n / 32)))
    shown = order[::every]
    ax.set_yticks(result.offsets[shown])
    ax.set_yticklabels([str(c) for c in result.channel_ids[shown]], fontsize=7)
    ax.set_xlabel("time (s)", color=TEXT)
    ax.set_ylabel("channel" + (" (by depth)" if by_depth else ""), color=TEXT)
    ax.spines["left"].set_visible(False)
    ax.tick_params(axis="y", length=0)
    if scalebar and step > 0:
        bar = nice_number(step)
        y0 = result.offsets.max() + 0.35 * step - bar / 2 if n else 0.0
        trans = ax.get_yaxis_transform()  # x in axes, y in data
        (line,) = ax.plot(
            [1.005, 1.005], [y0, y0 + bar], transform=trans, color=TEXT, lw=1.5, clip_on=False
        )
        unit = {"uV": " µV"}.get(result.units, "")
        label = f"{bar:g}{unit}"
        text = ax.text(
            1.012, y0 + bar / 2, label, transform=trans, va="center", ha="left", fontsize=7,
            color=TEXT, clip_on=False,
        )  # fmt: skip
        result.scalebar = [line, text]
    kind = "samples" if result.mode == "lines" else "min/max per pixel column"
    ax.set_title(title if title is not None else "", fontsize=9, color=TEXT, loc="left")
    ax.text(
        1.0, 1.01, kind, transform=ax.transAxes, ha="right", va="bottom", fontsize=7,
        color="#888888",
    )  # fmt: skip
