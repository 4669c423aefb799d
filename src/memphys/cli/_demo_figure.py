"""The figure of ``memphys demo`` (``demo.png``): the whole generated recording as a
min/max envelope per pixel column (one pass of the engine over the file), a 10 s window
band-passed around theta, and the mean power spectral density of the whole recording.

Drawn on a matplotlib ``Figure`` without pyplot (no window opens, headless), written
under a temporary name renamed when complete.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["write_demo_figure"]


def write_demo_figure(
    eeg: Any,
    path: Path,
    *,
    n_jobs: int = 2,
    progress: bool = False,
    band: tuple[float, float] = (5.0, 12.0),
) -> Path:
    """Draw the demo's three panels of ``eeg`` (a lazy TsdFrame) into ``path``."""
    from matplotlib.figure import Figure

    import memphys as nap
    from memphys.cli.plot import save_figure
    from memphys.plot import plot_psd, plot_traces

    rate = float(eeg.rate)
    t0, t1 = float(eeg.start_time()), float(eeg.end_time())
    duration = t1 - t0
    job: dict[str, Any] = {"n_jobs": n_jobs, "pool_engine": "thread", "progress_bar": progress}
    fig = Figure(figsize=(12.0, 9.0), dpi=100, layout="constrained")
    grid = fig.add_gridspec(2, 2, height_ratios=[1.25, 1.0], width_ratios=[1.6, 1.0])
    whole = fig.add_subplot(grid[0, :])
    window = fig.add_subplot(grid[1, 0])
    spectrum = fig.add_subplot(grid[1, 1])
    minutes = duration / 60
    plot_traces(
        eeg, t0, t1, ax=whole, title=f"the whole recording ({minutes:.0f} min): min/max per "
        "pixel column, one pass of the engine over the file", **job,
    )  # fmt: skip
    whole.set_xlabel("time (s)")
    w0 = t0 + round(duration * 0.25, 3)
    w1 = min(t1, w0 + 10.0)
    # filtered with 2 s on each side, drawn without them: no filter edge in the window
    pad = 2.0
    part = eeg.restrict(nap.IntervalSet(max(t0, w0 - pad), min(t1, w1 + pad)))
    filtered = nap.apply_bandpass_filter(part, band, fs=rate, progress_bar=progress)
    plot_traces(
        filtered, w0, w1, ax=window, mode="lines", scalebar=True,
        title=f"{w1 - w0:.0f} s band-passed {band[0]:g}-{band[1]:g} Hz",
    )  # fmt: skip
    plot_psd(eeg, ax=spectrum, interval_size=min(4.0, duration), freq_range=(0.5, rate / 2), **job)
    spectrum.set_title("mean power spectral density (Welch, 4 s)", fontsize=9, loc="left")
    return save_figure(fig, Path(path), dpi=100)
