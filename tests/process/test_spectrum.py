"""compute_fft, compute_power_spectral_density and compute_mean_power_spectral_density.

References are written here from the definitions (numpy's FFT of the whole epoch, scipy's
periodogram, and a plain loop over Welch windows); the chunked mean PSD must equal the
loop to float tolerance (rtol 1e-10) for random epochs, block sizes and executors, and be
bit-identical across block sizes and executors (the periodograms are added in window
order). Lazy sources (a spy adapter, memmap, zarr) give the in-memory result and are read
in contiguous blocks, once.
"""

from __future__ import annotations

import itertools
import json
import pathlib
import subprocess
import sys
import textwrap
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import signal

import memphys as nap
from memphys.arrays import LazyArray, NumpyArray
from memphys.errors import MemoryBudgetError

BENCH_DIR = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
RTOL = 1e-10


class SpecSpy(LazyArray):
    """A lazy source over a numpy array that records every read range."""

    kind = "test.specspy"

    def __init__(self, data: np.ndarray) -> None:
        self._inner = NumpyArray(data)
        self.shape = self._inner.shape
        self.dtype = self._inner.dtype
        self.ranges: list[tuple[int, int]] = []

    def _read(self, start: int, stop: int, channels: Any) -> np.ndarray:
        self.ranges.append((start, stop))
        return np.array(self._inner._read(start, stop, channels))

    def recipe(self) -> dict[str, Any]:
        from memphys.errors import MemphysError

        raise MemphysError("no recipe: pickled whole")

    @classmethod
    def from_recipe(cls, recipe: dict[str, Any]) -> SpecSpy:
        raise NotImplementedError

    def __reduce__(self) -> Any:
        return (SpecSpy, (np.asarray(self._inner._data),))


# --- references ---------------------------------------------------------------------------
def ref_mean_psd(t, d, starts, ends, interval, overlap, fs, full_range):
    """Welch's average by a direct loop over windows (pynapple's definition)."""
    w0 = []
    for s, e in zip(starts, ends, strict=True):
        x = float(s)
        while x + interval < e:
            w0.append(x)
            x += (1 - overlap) * interval
    w0 = np.array(w0)
    i0 = np.searchsorted(t, w0, side="left")
    i1 = np.searchsorted(t, w0 + interval, side="right")
    n = int(np.min(i1 - i0))
    d2 = d.reshape(len(d), -1).astype(float)
    win = signal.windows.hamming(n)[:, None]
    acc = np.zeros((n, d2.shape[1]))
    for a in i0:
        acc += np.abs(np.fft.fft(d2[a : a + n] * win, axis=0)) ** 2 / (fs * n)
    acc /= len(w0)
    f = np.fft.fftfreq(n, 1 / fs)
    order = np.argsort(f)
    f, acc = f[order], acc[order]
    if not full_range:
        keep = f >= 0
        f, acc = f[keep], acc[keep]
        acc[(f != 0) & (f < fs / 2 - 1e-6)] *= 2
    return f, acc


def _regular(n, ch, fs=100.0, seed=0, dtype="float64"):
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(n, ch)) * 100
    return np.arange(n) / fs, d.astype(dtype)


# --- compute_fft / compute_power_spectral_density -------------------------------------------
@pytest.mark.parametrize("ch", [None, 3])
@pytest.mark.parametrize("full_range", [False, True])
@pytest.mark.parametrize("n", [None, 90, 130])
def test_fft_equals_numpy(ch, full_range, n):
    t, d = _regular(101, ch or 1)
    d = d[:, 0] if ch is None else d
    sig = nap.Tsd(t=t, d=d) if ch is None else nap.TsdFrame(t=t, d=d)
    r = nap.compute_fft(sig, full_range=full_range, n=n, norm=True)
    m = n or 101
    ref = np.fft.fft(d, n=m, axis=0) / m
    f = np.fft.fftfreq(m, 1 / sig.rate)
    order = np.argsort(f)
    f, ref = f[order], ref[order]
    if not full_range:
        f, ref = f[f >= 0], ref[f >= 0]
    assert isinstance(r, pd.DataFrame)
    np.testing.assert_array_equal(r.index.values, f)
    np.testing.assert_allclose(r.values, ref.reshape(len(f), -1), rtol=1e-12, atol=1e-9)


@pytest.mark.parametrize("full_range", [False, True])
def test_psd_equals_scipy_periodogram(full_range):
    t, d = _regular(200, 2, dtype="int16")
    sig = nap.TsdFrame(t=t, d=d)
    r = nap.compute_power_spectral_density(sig, full_range=full_range)
    f, p = signal.periodogram(
        d.astype(np.float64), sig.rate, return_onesided=not full_range, detrend=False, axis=0
    )
    if full_range:
        order = np.argsort(f)
        f, p = f[order], p[order]
    else:
        f, p = f[:-1], p[:-1]
    np.testing.assert_allclose(r.index.values, f, atol=1e-12)
    np.testing.assert_allclose(r.values, p, rtol=1e-9, atol=1e-9 * p.max())


def test_fft_on_one_epoch_of_several():
    t, d = _regular(300, 2)
    sig = nap.TsdFrame(t=t, d=d, time_support=nap.IntervalSet([0, 1.5], [1.0, 2.99]))
    ep = nap.IntervalSet(1.5, 2.99)
    r = nap.compute_fft(sig, ep=ep)
    rows = d[150:300]
    np.testing.assert_allclose(r.values, np.fft.fft(rows, axis=0)[:75], rtol=1e-12, atol=1e-9)
    with pytest.raises(ValueError, match="must have length 1"):
        nap.compute_fft(sig)
    with pytest.raises(ValueError, match="must have length 1"):
        nap.compute_power_spectral_density(sig)


def test_fft_over_budget_names_epoch_and_alternatives():
    t, d = _regular(50_000, 4, dtype="int16")
    sig = nap.TsdFrame(t=t, d=d)
    with nap.config_context(memory_budget="4M"):
        with pytest.raises(MemoryBudgetError, match="50000 samples") as info:
            nap.compute_fft(sig)
        assert "compute_mean_power_spectral_density" in str(info.value)
        assert "restrict" in str(info.value)
        with pytest.raises(MemoryBudgetError):
            nap.compute_power_spectral_density(sig)
        # a shorter epoch fits
        assert nap.compute_fft(sig, ep=nap.IntervalSet(0, 10)).shape == (501, 4)  # 1001 rows
    assert nap.compute_fft(sig).shape == (25_000, 4)


def test_fft_errors():
    t, d = _regular(100, 1)
    sig = nap.Tsd(t=t, d=d[:, 0])
    with pytest.raises(TypeError, match="Parameter full_range must be of type"):
        nap.compute_fft(sig, full_range="yes")
    with pytest.raises(TypeError, match="Parameter sig must be of type"):
        nap.compute_fft(np.zeros(10))
    with pytest.raises(TypeError, match="Parameter n must be of type"):
        nap.compute_fft(sig, n=1.5)
    with pytest.raises(ValueError, match="`n`"):
        nap.compute_fft(sig, n=0)
    with pytest.raises(ValueError, match="holds none"):
        nap.compute_fft(sig, ep=nap.IntervalSet(50, 60))
    with pytest.raises(TypeError, match="unexpected keyword"):
        nap.compute_fft(sig, order=3)


def test_fs_mismatch_is_an_error():
    t, d = _regular(1000, 2)
    sig = nap.TsdFrame(t=t, d=d)
    with pytest.raises(ValueError, match="spaced at 100 Hz"):
        nap.compute_fft(sig, fs=1000)
    with pytest.raises(ValueError, match="spaced at 100 Hz"):
        nap.compute_mean_power_spectral_density(sig, 1.0, fs=50.0)
    with pytest.raises(ValueError, match="finite positive"):
        nap.compute_power_spectral_density(sig, fs=-100.0)
    # within 1% is accepted
    assert nap.compute_fft(sig, fs=100.5).shape == (500, 2)


def test_support_larger_than_samples_warns():
    t, d = _regular(1000, 1)
    sig = nap.Tsd(t=t, d=d[:, 0], time_support=nap.IntervalSet(0, 20))
    with pytest.warns(UserWarning, match="differs from the spacing"):
        nap.compute_fft(sig)


# --- mean PSD: equivalence ------------------------------------------------------------------
@st.composite
def mean_psd_case(draw):
    n = draw(st.integers(400, 3000))
    ch = draw(st.sampled_from([None, 1, 3]))
    fs = 100.0
    t, d = _regular(n, ch or 1, fs=fs, seed=draw(st.integers(0, 2**16)))
    d = d[:, 0] if ch is None else d
    n_ep = draw(st.integers(1, 4))
    # distinct cuts: no epoch touches the next (that is repaired with a warning, tested in core/)
    cuts = np.sort(
        draw(st.lists(st.floats(0, n / fs), min_size=2 * n_ep, max_size=2 * n_ep, unique=True))
    )
    starts, ends = cuts[0::2], cuts[1::2]
    keep = ends - starts > 0.05
    if not keep.any():
        starts, ends = np.array([0.0]), np.array([n / fs])
    else:
        starts, ends = starts[keep], ends[keep]
    longest = float(np.max(ends - starts))
    interval = draw(st.floats(0.05, 1.0)) * longest * 0.99
    interval = max(interval, 0.05)
    overlap = draw(st.sampled_from([0.0, 0.25, 0.5, 0.9]))
    full_range = draw(st.booleans())
    chunk = draw(st.integers(1, 2000))
    engine = draw(st.sampled_from([("serial", 1), ("thread", 2), ("thread", 3)]))
    return t, d, starts, ends, interval, overlap, full_range, chunk, engine


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mean_psd_case())
def test_mean_psd_equals_direct_loop(case):
    t, d, starts, ends, interval, overlap, full_range, chunk, (engine, n_jobs) = case
    sig = nap.Tsd(t=t, d=d) if d.ndim == 1 else nap.TsdFrame(t=t, d=d)
    ep = nap.IntervalSet(starts, ends)
    f, ref = ref_mean_psd(t, d, ep.start, ep.end, interval, overlap, 100.0, full_range)
    r = nap.compute_mean_power_spectral_density(
        sig,
        interval,
        fs=100.0,
        overlap=overlap,
        ep=ep,
        full_range=full_range,
        chunk_size=chunk,
        n_jobs=n_jobs,
        pool_engine=engine,
        progress_bar=False,
    )
    np.testing.assert_array_equal(r.index.values, f)
    assert r.shape == ref.shape
    np.testing.assert_allclose(r.values, ref, rtol=RTOL, atol=RTOL * np.abs(ref).max())
    # bit-identical whatever the blocks and the executor
    r1 = nap.compute_mean_power_spectral_density(
        sig, interval, fs=100, overlap=overlap, ep=ep, full_range=full_range
    )
    np.testing.assert_array_equal(r.values, r1.values)


def test_mean_psd_process_executor_bit_identical():
    t, d = _regular(20_000, 3, dtype="int16")
    sig = nap.TsdFrame(t=t, d=d)
    kw = {"overlap": 0.5, "progress_bar": False, "fs": 100.0}
    a = nap.compute_mean_power_spectral_density(sig, 2.0, **kw)
    b = nap.compute_mean_power_spectral_density(
        sig, 2.0, n_jobs=2, pool_engine="process", chunk_size=777, **kw
    )
    np.testing.assert_array_equal(a.values, b.values)
    _f, ref = ref_mean_psd(t, d, [0.0], [t[-1]], 2.0, 0.5, 100.0, False)
    np.testing.assert_allclose(a.values, ref, rtol=RTOL, atol=RTOL * ref.max())


def test_mean_psd_lazy_sources_equal_in_memory(tmp_path):
    import zarr

    t, d = _regular(5000, 2, dtype="int16")
    ref = nap.compute_mean_power_spectral_density(nap.TsdFrame(t=t, d=d), 3.0)
    np.save(tmp_path / "d.npy", d)
    mm = np.load(tmp_path / "d.npy", mmap_mode="r")
    z = zarr.create_array(str(tmp_path / "d.zarr"), shape=d.shape, chunks=(700, 2), dtype=d.dtype)
    z[:] = d
    for src in (mm, zarr.open_array(str(tmp_path / "d.zarr"), mode="r")):
        sig = nap.TsdFrame(t=t, d=src, load_array=False)
        r = nap.compute_mean_power_spectral_density(sig, 3.0, chunk_size=1000, n_jobs=2)
        np.testing.assert_array_equal(r.values, ref.values)


def test_mean_psd_reads_source_once_in_contiguous_blocks():
    t, d = _regular(20_000, 2)
    spy = SpecSpy(d)
    sig = nap.TsdFrame(d=spy, rate=100.0, start=0.0)
    r = nap.compute_mean_power_spectral_density(sig, 0.995, overlap=0.0, chunk_size=2000)
    ref = nap.compute_mean_power_spectral_density(nap.TsdFrame(t=t, d=d), 0.995, overlap=0.0)
    np.testing.assert_array_equal(r.values, ref.values)
    ranges = spy.ranges
    assert len(ranges) > 5  # blocks, not one read of everything
    assert all(b - a <= 2000 for a, b in ranges)
    # in order, no row read twice (windows of 99 rows start every 99.5 rows: a block may
    # leave the one row between its last window and the next block's first)
    assert ranges[0][0] == 0
    for (_, b0), (a1, _) in itertools.pairwise(ranges):
        assert 0 <= a1 - b0 <= 1, ranges
    assert sum(b - a for a, b in ranges) <= 20_000


def test_mean_psd_epoch_gaps_are_not_read():
    _t, d = _regular(20_000, 1)
    spy = SpecSpy(d[:, 0])
    sig = nap.Tsd(d=spy, rate=100.0, start=0.0)
    ep = nap.IntervalSet([0, 150], [20, 170])
    nap.compute_mean_power_spectral_density(sig, 1.0, ep=ep, chunk_size=10**6)
    rows = sum(b - a for a, b in spy.ranges)
    assert rows <= 2 * 20 * 100 + 2, spy.ranges


# --- mean PSD: errors -----------------------------------------------------------------------
def test_mean_psd_errors():
    t, d = _regular(1000, 1)
    sig = nap.Tsd(t=t, d=d[:, 0])
    with pytest.raises(RuntimeError, match="interval_size=20 generated an empty"):
        nap.compute_mean_power_spectral_density(sig, 20)
    with pytest.raises(RuntimeError, match="generated an empty"):  # equal: no window either
        nap.compute_mean_power_spectral_density(sig, 5, ep=nap.IntervalSet(0, 5))
    with pytest.raises(RuntimeError, match="doesn't have any signal"):
        nap.compute_mean_power_spectral_density(sig, 1, ep=nap.IntervalSet([0, 20], [9, 30]))
    with pytest.raises(ValueError, match=r"Overlap should be in intervals \[0.0, 1.0\)"):
        nap.compute_mean_power_spectral_density(sig, 1, overlap=1.0)
    with pytest.raises(TypeError, match="Parameter overlap must be of type"):
        nap.compute_mean_power_spectral_density(sig, 1, overlap="a")
    with pytest.raises(TypeError, match="Parameter interval_size must be of type"):
        nap.compute_mean_power_spectral_density(sig, "1")
    with pytest.raises(ValueError, match="interval_size"):
        nap.compute_mean_power_spectral_density(sig, -1.0)
    with pytest.raises(ValueError, match="time_units"):
        nap.compute_mean_power_spectral_density(sig, 1, time_unit="h")
    with pytest.raises(ValueError, match="n_jobs"):
        nap.compute_mean_power_spectral_density(sig, 1, n_jobs=0)


def test_mean_psd_time_unit_ms():
    t, d = _regular(1000, 1)
    sig = nap.Tsd(t=t, d=d[:, 0])
    a = nap.compute_mean_power_spectral_density(sig, 1500, time_unit="ms")
    b = nap.compute_mean_power_spectral_density(sig, 1.5)
    np.testing.assert_array_equal(a.values, b.values)


def test_mean_psd_window_over_budget():
    t, d = _regular(200_000, 4)
    sig = nap.TsdFrame(t=t, d=d)
    with (
        nap.config_context(memory_budget="1M"),
        pytest.raises(MemoryBudgetError, match="shorter interval_size"),
    ):
        nap.compute_mean_power_spectral_density(sig, 1000.0)


# --- memory --------------------------------------------------------------------------------
SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import RssAnonSampler, make_raw_file
    import memphys as nap

    path = sys.argv[1]
    n, ch = make_raw_file(path, 1024**3, n_channels=16)
    d = np.memmap(path, dtype="int16", mode="r", shape=(n, ch))
    with RssAnonSampler(interval=0.005) as sampler:
        t0 = time.perf_counter()
        x = nap.TsdFrame(d=d, rate=20000.0, start=0.0)
        p = nap.compute_mean_power_spectral_density(
            x, 0.99995, overlap=0.0, progress_bar=False
        )  # windows of 20000 samples (a fast FFT length)
        t_run = time.perf_counter() - t0
    # the first window, checked against numpy
    from scipy.signal import windows
    w = d[:20000].astype(float) * windows.hamming(20000)[:, None]
    first = np.abs(np.fft.rfft(w, axis=0)[:10000]) ** 2 / (20000.0 * 20000)
    print(json.dumps({{
        "shape": list(p.shape), "peak": sampler.peak_self, "t_run": t_run,
        "finite": bool(np.isfinite(p.values).all()),
        "dc_ratio": float(p.values[0, 0] / first[0, 0]),
    }}))
    """
)


@pytest.mark.slow
def test_mean_psd_of_1gb_memmap_stays_under_200mb(tmp_path):
    script = tmp_path / "mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR)))
    data = tmp_path / "raw.dat"
    proc = subprocess.run(
        [sys.executable, str(script), str(data)], capture_output=True, text=True, timeout=400
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\nmean PSD of 1 GiB: peak RssAnon {report['peak'] / 2**20:.1f} MiB, "
        f"{report['t_run']:.1f} s"
    )
    assert report["shape"] == [10000, 16]
    assert report["finite"]
    assert 0.01 < report["dc_ratio"] < 100  # same order as one window's periodogram
    assert 0 < report["peak"] < 200 * 2**20, report
    data.unlink()
