"""Event markers on a time axis: Ts / Tsd times as vertical lines, IntervalSet epochs as
shaded spans, and SpikeInterface-style events (``memphys.ephys`` event objects: anything
with ``channel_ids`` and ``get_event_times(channel_id=..., segment_index=...,
start_time=..., end_time=...)``) as one set of lines per event channel.

Only the events inside the drawn window are drawn (a search of sorted times: the events'
arrays are small beside a recording, and are read once).

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> from memphys.plot._mpl import pyplot
>>> fig, ax = pyplot().subplots()
>>> _ = ax.set_xlim(0, 10)
>>> arts = plot_events(nap.Ts(t=[1.0, 2.5, 20.0]), ax=ax, start=0, end=10)
>>> len(arts), arts[0].get_segments()[1][0, 0]
(1, np.float64(2.5))
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from memphys._validation import value_error
from memphys.plot._mpl import COLORS, new_axes

__all__ = ["event_times", "plot_events"]


def _kind(obj: Any) -> str:
    return type(obj).__name__


def _is_interval_set(obj: Any) -> bool:
    return hasattr(obj, "start") and hasattr(obj, "end") and _kind(obj) == "IntervalSet"


def _is_ephys_event(obj: Any) -> bool:
    return hasattr(obj, "get_event_times") and hasattr(obj, "channel_ids")


def event_times(obj: Any, start: float, end: float, segment_index: int = 0) -> Any:
    """The events of ``obj`` inside ``[start, end]``.

    Returns ``("times", {label: times})`` for point events and ``("spans", (starts,
    ends))`` for epochs (clipped to the window).

    >>> import memphys as nap
    >>> event_times(nap.Ts(t=[1.0, 5.0]), 0, 2)
    ('times', {'': array([1.])})
    >>> event_times(nap.IntervalSet([1, 8], [3, 12]), 2, 10)
    ('spans', (array([2., 8.]), array([ 3., 10.])))
    """
    if _is_interval_set(obj):
        s = np.asarray(obj.start, dtype=np.float64)
        e = np.asarray(obj.end, dtype=np.float64)
        keep = (e >= start) & (s <= end)
        return "spans", (np.maximum(s[keep], start), np.minimum(e[keep], end))
    if _is_ephys_event(obj):
        out: dict[str, np.ndarray] = {}
        for cid in obj.channel_ids:
            t = np.asarray(
                obj.get_event_times(
                    channel_id=cid, segment_index=segment_index, start_time=start, end_time=end
                ),
                dtype=np.float64,
            )
            out[str(cid)] = t[(t >= start) & (t <= end)]
        return "times", out
    if hasattr(obj, "time_index") or hasattr(obj, "t"):
        index = getattr(obj, "time_index", None)
        if index is not None and hasattr(index, "searchsorted"):
            a = int(index.searchsorted(start, "left"))
            b = int(index.searchsorted(end, "right"))
            return "times", {"": np.asarray(index.take(np.arange(a, b)), dtype=np.float64)}
        t = np.asarray(obj.t, dtype=np.float64)
    else:
        t = np.asarray(obj, dtype=np.float64).ravel()
        if t.size and not np.all(np.isfinite(t)):
            raise value_error("events", "finite times in seconds", obj)
    t = np.sort(t)
    a = int(np.searchsorted(t, start, side="left"))
    b = int(np.searchsorted(t, end, side="right"))
    return "times", {"": t[a:b]}


def plot_events(
    events: Any,
    ax: Any = None,
    start: float | None = None,
    end: float | None = None,
    segment_index: int = 0,
    color: Any = None,
    label: str | None = None,
    alpha: float = 0.8,
) -> list[Any]:
    """Mark ``events`` on ``ax``'s time axis.

    Parameters
    ----------
    events : Ts, Tsd, IntervalSet, ephys event, array of times, or a dict of them
        A dict ``{label: events}`` draws each in its own colour, with a legend entry.
    ax : matplotlib Axes, optional
    start, end : float, optional
        The window (default: the axes' x limits).
    segment_index : int, default 0
        Segment of an ephys event object.
    color : optional
        Colour (default: a palette colour per label).
    label : str, optional
        Legend label.
    alpha : float, default 0.8

    Returns
    -------
    list of matplotlib artists
        A ``LineCollection`` of vertical lines per set of point events, one
        ``PolyCollection`` of spans per IntervalSet.
    """
    ax = new_axes(ax)
    lo, hi = ax.get_xlim()
    start = lo if start is None else float(start)
    end = hi if end is None else float(end)
    if isinstance(events, Mapping):
        artists: list[Any] = []
        for k, (name, ev) in enumerate(events.items()):
            c = COLORS[(k + 1) % len(COLORS)] if color is None else color
            artists += plot_events(
                ev, ax, start, end, segment_index, color=c, label=str(name), alpha=alpha
            )
        return artists
    kind, payload = event_times(events, start, end, segment_index)
    trans = ax.get_xaxis_transform()  # x in data, y in axes coordinates
    if kind == "spans":
        s, e = payload
        verts = [[(a, 0.0), (a, 1.0), (b, 1.0), (b, 0.0)] for a, b in zip(s, e, strict=True)]
        from matplotlib.collections import PolyCollection

        spans = PolyCollection(
            verts,
            transform=trans,
            facecolors=color or COLORS[2],
            edgecolors="none",
            alpha=0.15,
            zorder=0,
            label=label,
        )
        ax.add_collection(spans, autolim=False)
        return [spans]
    artists = []
    for k, (name, t) in enumerate(payload.items()):
        c = color or COLORS[(k + 1) % len(COLORS)]
        from matplotlib.collections import LineCollection

        segs = np.zeros((len(t), 2, 2))
        segs[:, :, 0] = np.asarray(t)[:, None]
        segs[:, 1, 1] = 1.0
        name_label = ((label or "") + (f" {name}" if name else "")).strip()
        coll = LineCollection(
            list(segs),
            transform=trans,
            colors=c,
            linewidths=0.8,
            alpha=alpha,
            zorder=3,
            label=name_label or None,
        )
        ax.add_collection(coll, autolim=False)
        artists.append(coll)
    return artists
