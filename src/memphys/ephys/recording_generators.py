"""Lazy generated recordings: :func:`generate_recording`, :class:`MockRecording`,
:class:`NoiseGeneratorRecording`.

Nothing is generated until traces are read: a one-hour 384-channel recording costs a few
kilobytes. The noise comes from numpy's ``default_rng`` seeded by the recording's seed (a
fresh one is drawn and kept in the kwargs when ``seed=None``), so the same block reads the
same values every time, in any process, and a dumped recording reloads identical. The
values are SpikeInterface's for the same seed (the same generator calls), so its dicts load
in SpikeInterface with the same traces:

- ``strategy="tile_pregenerated"``: one noise block of ``noise_block_size`` samples is
  drawn on first read (per process) and tiled;
- ``strategy="on_the_fly"``: block ``k`` is drawn from the seed ``(seed, k)`` when read.

:class:`NoiseGeneratorRecording` also accepts integer dtypes (noise scaled by
``noise_levels`` and rounded), which SpikeInterface does not; such recordings are written
under memphys's class path.

Examples
--------
>>> rec = generate_recording(num_channels=384, durations=[3600.0], seed=0, set_probe=False)
>>> rec.get_num_samples(), rec.get_total_memory_size() / 2**30  # 165 GiB, none allocated
(108000000, 154.49...)
>>> a = rec.get_traces(start_frame=45_000_000, end_frame=45_000_010)
>>> bool((a == rec.get_traces(start_frame=45_000_000, end_frame=45_000_010)).all())
True
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._check import check_in, check_int, ext_error
from memphys.ephys.baserecording import BaseRecording, BaseRecordingSegment
from memphys.ephys.core_tools import _ensure_seed

__all__ = [
    "generate_recording",
    "MockRecording",
    "NoiseGeneratorRecording",
    "noise_generator_recording",
    "generate_recording_by_size",
    "GeneratorRecordingSegment",
]


def _segment_seeds(seed: int, n: int) -> list[int]:
    rng = np.random.default_rng(seed)
    return [int(rng.integers(0, 2**63)) for _ in range(n)]


def _durations(durations: Any) -> list[float]:
    if not isinstance(durations, list | tuple | np.ndarray) or len(durations) == 0:
        raise ext_error("durations", "a non-empty list of durations in seconds", durations)
    out = []
    for d in durations:
        if isinstance(d, bool) or not np.isfinite(float(d)) or float(d) < 0:
            raise ext_error("durations", "durations >= 0 (seconds)", durations)
        out.append(float(d))
    return out


class GeneratorRecordingSegment(BaseRecordingSegment):
    """Noise of one segment, generated per block when read (see the module docstring)."""

    def __init__(
        self,
        num_samples: int,
        num_channels: int,
        sampling_frequency: float,
        noise_block_size: int,
        dtype: Any,
        seed: int,
        strategy: str,
        noise_levels: np.ndarray | None = None,
        cov_matrix: np.ndarray | None = None,
    ) -> None:
        BaseRecordingSegment.__init__(self, sampling_frequency=sampling_frequency)
        self.num_samples = int(num_samples)
        self._n = int(num_channels)
        self.num_channels = self._n
        self.noise_block_size = int(noise_block_size)
        self.dtype = np.dtype(dtype)
        self.seed = int(seed)
        self.strategy = strategy
        self.noise_levels = noise_levels
        self.cov_matrix = cov_matrix
        self._block: np.ndarray | None = None

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state["_block"] = None  # regenerated where needed
        return state

    def get_num_samples(self) -> int:
        return self.num_samples

    def _gen_dtype(self) -> np.dtype[Any]:
        return self.dtype if self.dtype.kind == "f" else np.dtype(np.float32)

    def _draw(self, rng: np.random.Generator, on_the_fly: bool) -> np.ndarray:
        shape = (self.noise_block_size, int(self._n))
        block: np.ndarray
        if self.cov_matrix is None:
            block = rng.standard_normal(size=shape, dtype=self._gen_dtype())
            if self.noise_levels is not None and not on_the_fly:
                block = block * self.noise_levels
        else:
            block = rng.multivariate_normal(
                np.zeros(self._n), self.cov_matrix, size=self.noise_block_size
            )
        if on_the_fly and self.noise_levels is not None:
            block *= self.noise_levels
        if self.dtype.kind != "f":
            info = np.iinfo(self.dtype)
            block = np.clip(np.round(block), info.min, info.max).astype(self.dtype)
        return np.asarray(block)

    def _noise_block(self, k: int) -> np.ndarray:
        if self.strategy == "tile_pregenerated":
            if self._block is None:
                self._block = self._draw(np.random.default_rng(seed=self.seed), on_the_fly=False)
            return self._block
        return self._draw(np.random.default_rng(seed=(self.seed, k)), on_the_fly=True)

    def get_traces(
        self,
        start_frame: int | None = None,
        end_frame: int | None = None,
        channel_indices: Any = None,
    ) -> np.ndarray:
        a = 0 if start_frame is None else int(start_frame)
        b = self.num_samples if end_frame is None else int(end_frame)
        size = self.noise_block_size
        out = np.empty((b - a, self._n), dtype=self.dtype)
        pos = a
        while pos < b:
            k, offset = divmod(pos, size)
            stop = min(b, (k + 1) * size)
            out[pos - a : stop - a] = self._noise_block(k)[offset : offset + stop - pos]
            pos = stop
        return out if channel_indices is None else out[:, channel_indices]


class MockRecording(BaseRecording):
    """Unit-variance white noise, generated when read (float32 or float64).

    Parameters
    ----------
    num_channels : int
    sampling_frequency : float
    durations : list of float
        Seconds per segment.
    dtype : {"float32", "float64"}
    seed : int, optional
    strategy : {"tile_pregenerated", "on_the_fly"}
    noise_block_size : int, default 30000
    """

    _si_class_path = "spikeinterface.core.generate.MockRecording"

    def __init__(
        self,
        num_channels: int,
        sampling_frequency: float,
        durations: list[float],
        dtype: Any = "float32",
        seed: int | None = None,
        strategy: str = "tile_pregenerated",
        noise_block_size: int = 30000,
    ) -> None:
        num_channels = check_int("num_channels", num_channels, minimum=1)
        dt = np.dtype(dtype).name
        if dt not in ("float32", "float64"):
            raise ext_error("dtype", "'float32' or 'float64'", dtype)
        check_in("strategy", strategy, ("tile_pregenerated", "on_the_fly"))
        noise_block_size = check_int("noise_block_size", noise_block_size, minimum=1)
        durs = _durations(durations)
        BaseRecording.__init__(self, sampling_frequency, [str(i) for i in range(num_channels)], dt)
        seed = _ensure_seed(seed)
        for d, s in zip(durs, _segment_seeds(seed, len(durs)), strict=True):
            self.add_recording_segment(
                GeneratorRecordingSegment(
                    int(d * self.sampling_frequency),
                    num_channels,
                    self.sampling_frequency,
                    noise_block_size,
                    dt,
                    s,
                    strategy,
                )
            )
        self._kwargs = {
            "num_channels": num_channels,
            "durations": durations if isinstance(durations, list) else list(durations),
            "sampling_frequency": sampling_frequency,
            "dtype": dt,
            "seed": seed,
            "strategy": strategy,
            "noise_block_size": noise_block_size,
        }


class NoiseGeneratorRecording(BaseRecording):
    """Noise with per-channel levels or a covariance, generated when read.

    Parameters
    ----------
    num_channels : int
    sampling_frequency : float
    durations : list of float
    noise_levels : float or array, default 1.0
        Standard deviation, one value or one per channel.
    cov_matrix : array, optional
        ``(num_channels, num_channels)`` covariance of the noise.
    dtype : dtype_like, default "float32"
        float32/float64, or an integer type (rounded; a memphys extension).
    seed : int, optional
    strategy : {"tile_pregenerated", "on_the_fly"}
    noise_block_size : int, default 30000
    """

    def __init__(
        self,
        num_channels: int,
        sampling_frequency: float,
        durations: list[float],
        noise_levels: Any = 1.0,
        cov_matrix: Any = None,
        dtype: Any = "float32",
        seed: int | None = None,
        strategy: str = "tile_pregenerated",
        noise_block_size: int = 30000,
    ) -> None:
        num_channels = check_int("num_channels", num_channels, minimum=1)
        dt = np.dtype(dtype)
        if dt.kind not in "fiu":
            raise ext_error("dtype", "a float or integer dtype", dtype)
        check_in("strategy", strategy, ("tile_pregenerated", "on_the_fly"))
        noise_block_size = check_int("noise_block_size", noise_block_size, minimum=1)
        durs = _durations(durations)
        levels: np.ndarray = np.asarray(noise_levels, dtype=float)
        if levels.ndim == 0:
            levels = np.full((1, num_channels), float(levels))
        if levels.ndim < 2:
            levels = levels[np.newaxis, :]
        if levels.shape[-1] != num_channels:
            raise ext_error(
                "noise_levels",
                f"one value or {num_channels} values (one per channel)",
                noise_levels,
            )
        cov = None if cov_matrix is None else np.asarray(cov_matrix, dtype=float)
        if cov is not None and cov.shape != (num_channels, num_channels):
            raise ext_error("cov_matrix", f"a ({num_channels}, {num_channels}) matrix", cov_matrix)
        BaseRecording.__init__(self, sampling_frequency, [str(i) for i in range(num_channels)], dt)
        seed = _ensure_seed(seed)
        for d, s in zip(durs, _segment_seeds(seed, len(durs)), strict=True):
            self.add_recording_segment(
                GeneratorRecordingSegment(
                    int(d * self.sampling_frequency),
                    num_channels,
                    self.sampling_frequency,
                    noise_block_size,
                    dt,
                    s,
                    strategy,
                    noise_levels=levels,
                    cov_matrix=cov,
                )
            )
        self._kwargs = {
            "num_channels": num_channels,
            "durations": list(durations),
            "sampling_frequency": sampling_frequency,
            "noise_levels": levels,
            "cov_matrix": cov,
            "dtype": dt.name,
            "seed": seed,
            "strategy": strategy,
            "noise_block_size": noise_block_size,
        }
        if dt.kind == "f":  # SpikeInterface generates the same values for float dtypes
            self._si_class_path_instance = (
                "spikeinterface.generation.noise_tools.NoiseGeneratorRecording"
            )

    def to_dict(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        d = super().to_dict(*args, **kwargs)
        si_path = getattr(self, "_si_class_path_instance", None)
        if si_path:
            d["class"], d["module"] = si_path, "spikeinterface"
            from memphys.ephys.core_tools import SPIKEINTERFACE_VERSION

            d["version"] = SPIKEINTERFACE_VERSION
        return d


#: SpikeInterface's function name for the class
noise_generator_recording = NoiseGeneratorRecording


def generate_recording(
    num_channels: int = 2,
    sampling_frequency: float = 30000.0,
    durations: list[float] | None = None,
    set_probe: bool | None = True,
    ndim: int | None = 2,
    t_starts: list[float] | None = None,
    seed: int | None = None,
) -> BaseRecording:
    """A lazy float32 white-noise recording with a linear probe (for tests and examples).

    Parameters
    ----------
    num_channels : int, default 2
    sampling_frequency : float, default 30000.0
    durations : list of float, default [5.0, 2.5]
        Seconds per segment.
    set_probe : bool, default True
        Attach a linear probe (``ndim=3``: a 3-D one).
    ndim : int, default 2
    t_starts : list of float, optional
        Time of each segment's first sample.
    seed : int, optional
    """
    durations = [5.0, 2.5] if durations is None else durations
    seed = _ensure_seed(seed)
    rec = MockRecording(
        num_channels=num_channels,
        sampling_frequency=sampling_frequency,
        durations=list(durations),
        dtype="float32",
        seed=seed,
        noise_block_size=int(sampling_frequency),
    )
    if t_starts is not None:
        if len(t_starts) != len(durations):
            raise ext_error(
                "t_starts", f"{len(durations)} start times (one per duration)", t_starts
            )
        for seg, t0 in zip(rec.segments, t_starts, strict=True):
            seg._t_start = t0
    rec.annotate(is_filtered=True)
    if set_probe:
        from probeinterface import generate_linear_probe

        probe = generate_linear_probe(num_elec=num_channels)
        if ndim == 3:
            probe = probe.to_3d()
        probe.set_device_channel_indices(np.arange(num_channels))
        rec.set_probe(probe)
    rec.name = "SyntheticRecording"
    return rec


def generate_recording_by_size(
    full_traces_size_GiB: float, seed: int | None = None, strategy: str = "tile_pregenerated"
) -> MockRecording:
    """A lazy 384-channel float32 recording at 30 kHz of the given size in GiB."""
    num_channels, fs = 384, 30_000.0
    n = int(int(full_traces_size_GiB * 1024**3) / (num_channels * 4))
    return MockRecording(
        num_channels=num_channels,
        sampling_frequency=fs,
        durations=[n / fs],
        dtype="float32",
        seed=seed,
        strategy=strategy,
    )
