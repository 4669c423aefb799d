"""Synthetic recordings for the demo, the tests and the benchmarks.

:func:`write_synthetic_binary` writes a headerless interleaved binary file (the layout of
Neuroscope ``.dat``/``.eeg`` files and of most acquisition systems) in bounded memory,
under a temporary name that is renamed when complete.

Examples
--------
>>> import tempfile, os, numpy as np
>>> path = os.path.join(tempfile.mkdtemp(), "rec.dat")
>>> info = write_synthetic_binary(path, n_samples=2500, n_channels=4, rate=1250.0)
>>> info.shape, info.dtype
((2500, 4), dtype('int16'))
>>> os.path.getsize(path) == 2500 * 4 * 2
True
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np

from memphys._validation import check_positive_float, check_positive_int

__all__ = ["SyntheticRecording", "write_synthetic_binary", "synthetic_block"]


@dataclasses.dataclass(frozen=True)
class SyntheticRecording:
    """What :func:`write_synthetic_binary` wrote."""

    path: Path
    n_samples: int
    n_channels: int
    rate: float
    dtype: np.dtype

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_samples, self.n_channels)

    @property
    def duration(self) -> float:
        """Duration in seconds."""
        return self.n_samples / self.rate

    @property
    def nbytes(self) -> int:
        return self.n_samples * self.n_channels * self.dtype.itemsize


def synthetic_block(
    start: int, stop: int, n_channels: int, rate: float, seed: int = 0
) -> np.ndarray:
    """Samples ``[start, stop)`` of the synthetic signal, float32, in microvolt-like units.

    The signal is deterministic for a given seed and independent of how it is split into
    blocks: a theta rhythm (8 Hz) whose phase drifts across channels, a slower delta
    component, white noise, and sparse spike-like transients. Noise is drawn from a
    generator seeded per 65,536-sample page, so any block can be regenerated alone.
    """
    t = (np.arange(start, stop, dtype=np.float64) / rate)[:, None]
    ch = np.arange(n_channels, dtype=np.float64)[None, :]
    theta = 120.0 * np.sin(2 * np.pi * 8.0 * t + 0.15 * ch)
    delta = 60.0 * np.sin(2 * np.pi * 1.5 * t + 0.05 * ch)
    out = (theta + delta).astype(np.float32)
    page = 65536
    for p in range(start // page, (stop - 1) // page + 1 if stop > start else start // page):
        p0, p1 = p * page, (p + 1) * page
        rng = np.random.default_rng([seed, p])
        noise = rng.standard_normal((page, n_channels), dtype=np.float32) * 25.0
        spikes = rng.random((page, n_channels), dtype=np.float32) < 2e-4
        noise[spikes] -= 300.0
        lo, hi = max(start, p0), min(stop, p1)
        out[lo - start : hi - start] += noise[lo - p0 : hi - p0]
    return out


def write_synthetic_binary(
    path: str | os.PathLike[str],
    n_samples: int | None = None,
    n_channels: int = 16,
    rate: float = 1250.0,
    *,
    duration: float | None = None,
    dtype: str | np.dtype = "int16",
    seed: int = 0,
    block_samples: int = 262_144,
    progress: Callable[[int], object] | None = None,
) -> SyntheticRecording:
    """Write a synthetic interleaved binary recording of ``n_samples`` x ``n_channels``.

    Parameters
    ----------
    path : path-like
        File to write. It is written as ``path + ".partial"`` and renamed when complete,
        so an interrupted run never leaves a file that looks complete.
    n_samples : int, optional
        Number of samples per channel; or give ``duration`` in seconds.
    n_channels : int
        Number of interleaved channels.
    rate : float
        Sampling rate in Hz.
    duration : float, optional
        Duration in seconds (alternative to ``n_samples``).
    dtype : str or numpy.dtype
        Sample type on disk (integer types are scaled as microvolts, clipped to range).
    seed : int
        Seed of the noise.
    block_samples : int
        Samples generated and written at a time (bounds memory).
    progress : callable, optional
        Called with the number of bytes written after each block.

    Returns
    -------
    SyntheticRecording
    """
    n_channels = check_positive_int("n_channels", n_channels)
    rate = check_positive_float("rate", rate)
    if n_samples is None:
        if duration is None:
            raise TypeError("write_synthetic_binary() needs `n_samples` or `duration`")
        n_samples = round(check_positive_float("duration", duration) * rate)
    n_samples = check_positive_int("n_samples", n_samples)
    dt = np.dtype(dtype)
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    info = np.iinfo(dt) if dt.kind in "iu" else None
    try:
        with open(partial, "wb") as f:
            for start in range(0, n_samples, block_samples):
                stop = min(start + block_samples, n_samples)
                block = synthetic_block(start, stop, n_channels, rate, seed)
                if info is not None:
                    np.clip(block, info.min, info.max, out=block)
                    block = np.rint(block)
                data = block.astype(dt)
                f.write(data.tobytes())
                if progress is not None:
                    progress(data.nbytes)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return SyntheticRecording(path, n_samples, n_channels, rate, dt)
