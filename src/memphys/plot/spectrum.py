"""``plot_psd``: power spectral densities on a log scale.

From a DataFrame that :func:`memphys.compute_power_spectral_density` or
:func:`memphys.compute_mean_power_spectral_density` returned (index: frequency, one
column per channel), or from a signal (Tsd, TsdFrame, recording) whose mean PSD (Welch)
is computed here through the engine in bounded memory.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> t = np.arange(0, 20, 1 / 200)
>>> x = nap.Tsd(t=t, d=np.sin(2 * np.pi * 12 * t))
>>> out = plot_psd(x, interval_size=2.0)
>>> float(out["psd"].index[np.argmax(out["psd"].iloc[:, 0].values)])
12.0
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys._validation import value_error
from memphys.plot._mpl import COLORS, TEXT, TRACE, new_axes, style_axes
from memphys.plot._recording import is_recording, recording_as_series

__all__ = ["plot_psd"]


def _is_frame(obj: Any) -> bool:
    return type(obj).__module__.split(".")[0] == "pandas" and hasattr(obj, "columns")


def plot_psd(
    obj: Any,
    ax: Any = None,
    *,
    interval_size: float | None = None,
    overlap: float = 0.25,
    channels: Any = None,
    segment_index: int | None = None,
    freq_range: tuple[float, float | None] = (0.0, None),
    mean: bool | None = None,
    log: bool = True,
    color: Any = None,
    label: str | None = None,
    **job_kwargs: Any,
) -> dict[str, Any]:
    """Draw power spectral densities.

    Parameters
    ----------
    obj : pandas.DataFrame, Tsd, TsdFrame or memphys.ephys recording
        A PSD (index: frequency in Hz, a column per channel), or a signal whose mean
        PSD is computed with :func:`memphys.compute_mean_power_spectral_density`.
    ax : matplotlib Axes, optional
    interval_size : float, optional
        Welch window in seconds for a signal (default: 2 s, or the signal's duration
        when shorter).
    overlap : float, default 0.25
        Overlap of the windows.
    channels : int, slice or sequence of int, optional
        Positions of the channels (columns) to draw.
    segment_index : int, optional
        Segment of a recording.
    freq_range : (float, float or None)
        Frequencies shown (default: from 0 to Nyquist; zero is left out on a log axis).
    mean : bool, optional
        Draw the mean over channels in bold (default: when there are more than 8
        channels, which are then drawn light).
    log : bool, default True
        Logarithmic power axis.
    color, label : optional
    **job_kwargs
        For the mean PSD's pass (``n_jobs``, ``progress_bar`` ...).

    Returns
    -------
    dict
        ``{"ax", "lines" (one per channel), "mean" (Line2D or None), "psd" (the DataFrame
        drawn)}``.
    """
    units = ""
    if _is_frame(obj):
        psd = obj
    else:
        series = obj
        if is_recording(obj):
            series = recording_as_series(obj, segment_index)
            units = "µV²/Hz" if obj.has_scaleable_traces() else ""
        kind = type(series).__name__
        if kind not in ("Tsd", "TsdFrame"):
            from memphys.errors import MemphysTypeError

            raise MemphysTypeError(
                "Invalid type for `obj`: expected a PSD DataFrame, a Tsd, a TsdFrame or a "
                f"recording, but got {type(obj).__name__}."
            )
        if channels is not None and kind == "TsdFrame":
            series = series[:, channels]
            channels = None
        from memphys.process.spectrum import compute_mean_power_spectral_density

        duration = float(np.sum(series.time_support.end - series.time_support.start))
        size = float(interval_size) if interval_size is not None else min(2.0, duration)
        psd = compute_mean_power_spectral_density(
            series, interval_size=size, overlap=overlap, **job_kwargs
        )
    if channels is not None:
        psd = psd.iloc[:, channels]
    if psd.ndim == 1:
        psd = psd.to_frame()
    freqs = np.asarray(psd.index, dtype=np.float64)
    lo_f = float(freq_range[0])
    hi_f = float(freq_range[1]) if freq_range[1] is not None else float(freqs.max())
    keep = (freqs >= lo_f) & (freqs <= hi_f) & (freqs >= 0)
    if log:
        keep &= freqs > 0
    if not keep.any():
        raise value_error("freq_range", "a range holding some of the PSD's frequencies", freq_range)
    f = freqs[keep]
    values = np.asarray(psd.values, dtype=np.float64)[keep]
    n = values.shape[1]
    draw_mean = n > 8 if mean is None else bool(mean)
    ax = new_axes(ax, figsize=(6.0, 4.0))
    lines = []
    for j in range(n):
        c = color or (COLORS[j % len(COLORS)] if not draw_mean and n > 1 else TRACE)
        alpha = 0.25 if draw_mean else 0.9
        lw = 0.6 if draw_mean else 1.0
        name = str(psd.columns[j]) if not draw_mean and n > 1 else None
        (line,) = ax.plot(f, values[:, j], color=c, alpha=alpha, lw=lw, label=name)
        lines.append(line)
    mean_line = None
    if draw_mean:
        (mean_line,) = ax.plot(
            f, values.mean(axis=1), color=color or COLORS[1], lw=1.8, label=label or "mean"
        )
    if log:
        ax.set_yscale("log")
        ax.set_xscale("log" if f.min() > 0 and f.max() / f.min() > 100 else "linear")
    ax.set_xlim(f.min(), f.max())
    ax.set_xlabel("frequency (Hz)", color=TEXT)
    ax.set_ylabel(f"power ({units or 'per Hz'})", color=TEXT)
    style_axes(ax)
    if (n > 1 and not draw_mean and n <= 8) or draw_mean:
        ax.legend(fontsize=7, frameon=False, loc="upper right")
    return {"ax": ax, "lines": lines, "mean": mean_line, "psd": psd.iloc[np.flatnonzero(keep)]}
