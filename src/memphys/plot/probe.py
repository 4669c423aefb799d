"""``plot_probe``: a probe's geometry (drawn by probeinterface), its channel ids and shanks.

Takes a probeinterface ``Probe`` or ``ProbeGroup``, or anything with ``get_probegroup()``
(a :mod:`memphys.ephys` recording or sorting analyzer). Contacts are coloured by shank
(by probe in a group), labelled with the channel ids they are wired to (when there are
not too many to read), and the probe's outline is drawn.

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.generate_recording(num_channels=8, durations=[1.0], seed=0)
>>> out = plot_probe(rec)
>>> [t.get_text() for t in out["texts"]][:3]
['0', '1', '2']
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.errors import MemphysTypeError, MemphysValueError
from memphys.plot._mpl import COLORS, TEXT, new_axes

__all__ = ["plot_probe"]


def _probegroup(obj: Any) -> tuple[Any, np.ndarray | None]:
    """(ProbeGroup, channel ids in the recording's channel order or None)."""
    if hasattr(obj, "get_probegroup"):
        if hasattr(obj, "has_probe") and not obj.has_probe():
            raise MemphysValueError(
                f"Invalid value for `obj`: this {type(obj).__name__} has no probe attached "
                "(set one with set_probe)."
            )
        ids = np.asarray(obj.channel_ids) if hasattr(obj, "channel_ids") else None
        return obj.get_probegroup(), ids
    if hasattr(obj, "probes"):
        return obj, None
    if hasattr(obj, "contact_positions"):
        from probeinterface import ProbeGroup

        group = ProbeGroup()
        group.add_probe(obj.copy() if hasattr(obj, "copy") else obj)
        if getattr(obj, "device_channel_indices", None) is not None:
            group.probes[0].set_device_channel_indices(obj.device_channel_indices)
        return group, None
    raise MemphysTypeError(
        "Invalid type for `obj`: expected a probeinterface Probe or ProbeGroup, or an object "
        f"with get_probegroup() (a recording), but got {type(obj).__name__}."
    )


def _shanks(probe: Any, n: int) -> np.ndarray:
    """The shank id of each contact ("" when unknown)."""
    ids = getattr(probe, "shank_ids", None)
    arr = np.atleast_1d(np.asarray(ids if ids is not None else "", dtype=str))
    return np.broadcast_to(arr, (n,)) if arr.size in (1, n) else np.full(n, "")


def plot_probe(
    obj: Any,
    ax: Any = None,
    *,
    with_channel_ids: bool | None = None,
    color_by_shank: bool = True,
    values: Any = None,
    cmap: str = "viridis",
    title: str | None = None,
) -> dict[str, Any]:
    """Draw a probe.

    Parameters
    ----------
    obj : probeinterface Probe or ProbeGroup, or a recording/analyzer with a probe
    ax : matplotlib Axes, optional
    with_channel_ids : bool, optional
        Write the channel id on each contact (default: with at most 64 contacts). The id
        is the recording's channel id when ``obj`` is a recording, else the device
        channel index (or the contact id when the probe is not wired).
    color_by_shank : bool, default True
        One colour per shank (per probe in a group).
    values : array, optional
        One value per contact (per channel of a recording) shown with ``cmap`` instead.
    cmap : str
    title : str, optional

    Returns
    -------
    dict
        ``{"ax", "contacts" (one PolyCollection per probe), "outlines", "texts",
        "channel_labels" (the text of each contact, in contact order)}``.
    """
    from probeinterface.plotting import plot_probe as pi_plot_probe

    group, ids = _probegroup(obj)
    ax = new_axes(ax, figsize=(4.0, 7.0))
    contacts, outlines, texts = [], [], []
    labels_all: list[str] = []
    n_total = sum(p.get_contact_count() for p in group.probes)
    write = n_total <= 64 if with_channel_ids is None else bool(with_channel_ids)
    for k, probe in enumerate(group.probes):
        n = probe.get_contact_count()
        dci = probe.device_channel_indices
        if dci is not None and ids is not None:
            labels = [str(ids[i]) if 0 <= i < len(ids) else "-" for i in dci]
        elif dci is not None:
            labels = [str(int(i)) if i >= 0 else "-" for i in dci]
        else:
            cid = getattr(probe, "contact_ids", None)
            labels = (
                [str(c) if str(c) else str(j) for j, c in enumerate(cid)]
                if cid is not None
                else [str(j) for j in range(n)]
            )
        labels_all += labels
        shanks = _shanks(probe, n)
        if values is not None:
            colors = None
            v = np.asarray(values, dtype=np.float64)
            contact_values = v[dci] if (dci is not None and len(v) != n) else v[:n]
        else:
            contact_values = None
            if color_by_shank and shanks.size and np.all(shanks != ""):
                s = np.unique(shanks, return_inverse=True)[1]
                colors = [COLORS[int(j) % len(COLORS)] for j in s]
            else:
                colors = [COLORS[k % len(COLORS)]] * n
        poly, contour = pi_plot_probe(
            probe,
            ax=ax,
            contacts_colors=colors,
            contacts_values=contact_values,
            cmap=cmap,
            title=False,
            probe_shape_kwargs={"facecolor": "#f2f2f2", "edgecolor": "#777777", "lw": 0.6},
            contact_kwargs={"alpha": 0.85, "edgecolor": "#444444", "lw": 0.3},
        )
        contacts.append(poly)
        outlines.append(contour)
        if write:
            pos = np.asarray(probe.contact_positions)[:, :2]
            for (x, y), text in zip(pos, labels, strict=True):
                texts.append(ax.text(x, y, text, ha="center", va="center", fontsize=6, color=TEXT))
    ax.set_xlabel("x (µm)", color=TEXT)
    ax.set_ylabel("y (µm)", color=TEXT)
    n_shanks = sum(
        len(np.unique(sh)) if np.all(sh != "") else 1
        for sh in (_shanks(p, p.get_contact_count()) for p in group.probes)
    )
    ax.set_title(
        title
        if title is not None
        else f"{n_total} contacts, {n_shanks} shank" + ("s" if n_shanks > 1 else ""),
        fontsize=9,
        color=TEXT,
    )
    return {
        "ax": ax,
        "contacts": contacts,
        "outlines": outlines,
        "texts": texts,
        "channel_labels": labels_all,
    }
