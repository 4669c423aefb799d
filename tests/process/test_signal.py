"""Hilbert transform, envelope, phase and oscillatory events of memphys.process.signal."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import signal

import memphys as nap
from memphys.errors import MemphysTypeError

FS = 1250.0


def am_signal(n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A band-limited signal with a known analytic signal (integer cycles over n / FS)."""
    t = np.arange(n) / FS
    a = 1 + 0.5 * np.cos(2 * np.pi * 0.25 * t)
    x = a * np.cos(2 * np.pi * 12 * t) + 0.7 * np.sin(2 * np.pi * 17.5 * t + 0.3)
    z = a * np.exp(2j * np.pi * 12 * t) - 0.7j * np.exp(1j * (2 * np.pi * 17.5 * t + 0.3))
    return t, x, z


def circular_distance(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.abs(np.angle(np.exp(1j * (a - b))))


# --- whole epochs (in memory): exactly scipy's hilbert per epoch ---------------------------
@pytest.mark.parametrize("cls", ["Tsd", "TsdFrame"])
def test_whole_epochs_equal_scipy_per_epoch(cls):
    rng = np.random.default_rng(0)
    n = 3000
    d = rng.normal(size=n) if cls == "Tsd" else rng.normal(size=(n, 3))
    ep = nap.IntervalSet([0.0, 1.0], [0.7, 2.0])
    x = getattr(nap, cls)(t=np.arange(n) / FS, d=d, time_support=ep)
    a = nap.apply_hilbert_transform(x)
    ref = np.concatenate([signal.hilbert(x.restrict(e).values, axis=0) for e in ep])
    np.testing.assert_array_equal(a.values, ref)
    env = nap.compute_hilbert_envelope(x)
    np.testing.assert_array_equal(env.values, np.abs(ref))
    ph = nap.compute_hilbert_phase(x)
    ref_phase = [
        np.mod(np.unwrap(np.angle(signal.hilbert(x.restrict(e).values, axis=0))), 2 * np.pi)
        for e in ep
    ]
    np.testing.assert_array_equal(ph.values, np.concatenate(ref_phase))
    assert type(a) is type(x)
    assert a.dtype == np.complex128
    assert env.dtype == np.float64
    np.testing.assert_array_equal(a.t, x.t)
    np.testing.assert_array_equal(a.time_support.values, ep.values)
    if cls == "TsdFrame":
        assert list(a.columns) == list(x.columns)


@pytest.mark.parametrize(
    ("in_dtype", "complex_dtype", "real_dtype"),
    [
        ("int16", "complex64", "float32"),
        ("float32", "complex64", "float32"),
        ("float64", "complex128", "float64"),
    ],
)
def test_dtypes(in_dtype, complex_dtype, real_dtype):
    x = nap.TsdFrame(t=np.arange(500) / FS, d=(np.ones((500, 2)) * 3).astype(in_dtype))
    assert nap.apply_hilbert_transform(x).dtype == np.dtype(complex_dtype)
    assert nap.compute_hilbert_envelope(x).dtype == np.dtype(real_dtype)
    assert nap.compute_hilbert_phase(x).dtype == np.dtype(real_dtype)


@pytest.mark.parametrize(
    "func",
    [nap.apply_hilbert_transform, nap.compute_hilbert_envelope, nap.compute_hilbert_phase],
)
def test_type_errors(func):
    tensor = nap.TsdTensor(t=np.arange(3.0), d=np.ones((3, 2, 2)))
    for bad in (tensor, np.ones(3), None):
        with pytest.raises(MemphysTypeError, match=r"data should be a Tsd or TsdFrame\."):
            func(bad)
    x = nap.Tsd(t=np.arange(3.0), d=np.array([1 + 1j, 2, 3]))
    with pytest.raises(MemphysTypeError, match="expected real numbers"):
        func(x)


# --- blocks with halos ---------------------------------------------------------------------
@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(chunk=st.integers(1500, 30000), n_jobs=st.sampled_from([1, 2]))
def test_blockwise_analytic_signal_is_close_to_the_truth(chunk, n_jobs):
    n = 100_000  # 80 s
    t, x, z = am_signal(n)
    tsd = nap.Tsd(t=t, d=x)
    a = nap.apply_hilbert_transform(tsd, chunk_size=chunk, n_jobs=n_jobs, pool_engine="thread")
    halo = 16384  # the default at 1250 Hz
    inner = slice(halo, n - halo)
    # stated tolerance: 1e-4 of the amplitude away from the epoch ends
    assert np.abs(a.values - z)[inner].max() < 1e-4 * np.abs(z).max()
    env = nap.compute_hilbert_envelope(tsd, chunk_size=chunk)
    assert np.abs(env.values - np.abs(z))[inner].max() < 1e-4 * np.abs(z).max()
    ph = nap.compute_hilbert_phase(tsd, chunk_size=chunk)
    weighted = circular_distance(ph.values, np.angle(z)) * np.abs(z) / np.abs(z).max()
    assert weighted[inner].max() < 1e-4  # the phase of a near-zero amplitude is noise
    assert ph.values.min() >= 0
    assert ph.values.max() < 2 * np.pi


def test_blockwise_band_passed_noise_close_to_whole_epoch():
    n = 100_000
    x = nap.Tsd(t=np.arange(n) / FS, d=np.random.default_rng(1).normal(size=n))
    xf = nap.apply_bandpass_filter(x, (10, 20))
    whole = nap.apply_hilbert_transform(xf).values
    blocks = nap.apply_hilbert_transform(xf, chunk_size=5000).values
    inner = slice(16384, n - 16384)
    assert np.abs(blocks - whole)[inner].max() < 5e-4 * np.abs(whole).max()
    assert np.abs(blocks - whole)[inner].max() > 0  # it is an approximation: blocks did run


def test_hilbert_out_path(tmp_path):
    n = 20000
    t, x, _ = am_signal(n)
    tsd = nap.TsdFrame(t=t, d=np.stack([x, 2 * x], axis=1))
    env = nap.compute_hilbert_envelope(tsd, out=str(tmp_path / "env.npy"))
    assert isinstance(env.values, np.memmap)
    ref = nap.compute_hilbert_envelope(tsd)
    np.testing.assert_array_equal(np.asarray(env.values), ref.values)


# --- detect_oscillatory_events -------------------------------------------------------------
def bursts(n: int, spans: list[tuple[float, float]], f: float = 25.0, seed: int = 0):
    t = np.arange(n) / 1000.0
    rng = np.random.default_rng(seed)
    x = 0.05 * rng.normal(size=n)
    for s, e in spans:
        m = (t >= s) & (t < e)
        x[m] += np.sin(2 * np.pi * f * t[m])
    return nap.Tsd(t=t, d=x)


ARGS = ((15, 35), (1.0, 10.0), (0.1, 2.0), 0.02)


def test_events_found_with_metadata():
    x = bursts(20000, [(2.0, 3.0), (7.0, 7.5), (12.2, 14.0)])
    ev = nap.detect_oscillatory_events(x, nap.IntervalSet(0, 20), *ARGS)
    assert len(ev) == 3
    np.testing.assert_allclose(ev.start, [2.0, 7.0, 12.2], atol=0.06)
    np.testing.assert_allclose(ev.end, [3.0, 7.5, 14.0], atol=0.06)
    assert set(ev.metadata_columns) >= {"power", "amplitude", "peak_time"}
    assert np.all((ev["peak_time"] >= ev.start) & (ev["peak_time"] <= ev.end))


@pytest.mark.parametrize("chunk", [1000, 2777, 7000])
def test_events_crossing_block_boundaries_found_once(chunk):
    # events straddle multiples of every chunk size above (e.g. 7.0 s, 14.0 s)
    spans = [(1.7, 2.3), (5.5, 7.4), (13.8, 14.6)]
    x = bursts(20000, spans)
    ep = nap.IntervalSet(0, 20)
    ref = nap.detect_oscillatory_events(x, ep, *ARGS)
    ev = nap.detect_oscillatory_events(x, ep, *ARGS, chunk_size=chunk)
    assert len(ref) == len(spans) == len(ev)
    np.testing.assert_allclose(ev.start, ref.start, atol=2e-3)
    np.testing.assert_allclose(ev.end, ref.end, atol=2e-3)


def test_events_on_a_lazy_source_over_the_budget(tmp_path, monkeypatch):
    spans = [(3.0, 4.0), (49.95, 50.6), (150.0, 151.5)]
    x = bursts(200_000, spans, seed=3)
    np.save(tmp_path / "x.npy", x.values)
    lazy = nap.Tsd(t=x.t, d=np.load(tmp_path / "x.npy", mmap_mode="r"))
    ep = nap.IntervalSet([0.0, 45.0], [40.0, 200.0])
    ref = nap.detect_oscillatory_events(x, ep, *ARGS)
    written = []
    real_filter = nap.apply_bandpass_filter

    def spy(*args, **kwargs):
        written.append(kwargs.get("out"))
        return real_filter(*args, **kwargs)

    monkeypatch.setattr("memphys.process.filtering.apply_bandpass_filter", spy)
    with nap.config_context(memory_budget=2**20):  # intermediate results go to files
        assert not isinstance(lazy.restrict(ep).values, np.ndarray)
        ev = nap.detect_oscillatory_events(lazy, ep, *ARGS, chunk_size=3000)
    assert written
    assert str(written[0]).endswith(".npy")
    assert len(ev) == len(ref) == 3
    np.testing.assert_allclose(ev.start, ref.start, atol=2e-3)
    np.testing.assert_allclose(ev.end, ref.end, atol=2e-3)
    np.testing.assert_allclose(ev["amplitude"], ref["amplitude"], rtol=1e-3)


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"data": np.ones(3)}, TypeError, "`data` must be `Tsd`"),
        ({"epochs": (0, 1)}, TypeError, "`epochs` must be `IntervalSet`"),
        ({"frequency_band": [10, 20]}, TypeError, "`frequency_band` must be a tuple"),
        ({"threshold_band": (1,)}, ValueError, "`threshold_band` must have length 2"),
        ({"duration_band": (2.0, 1.0)}, ValueError, r"must be \(min, max\) with min < max"),
        ({"min_interval": -1}, ValueError, "`min_interval` must be >= 0"),
        ({"fs": 0}, ValueError, "`fs` must be > 0"),
        ({"sliding_window_size": 2.5}, TypeError, "must be an integer"),
    ],
)
def test_event_argument_errors(kwargs, exc, match):
    args = {
        "data": bursts(2000, []),
        "epochs": nap.IntervalSet(0, 2),
        "frequency_band": (15, 35),
        "threshold_band": (1, 10),
        "duration_band": (0.1, 2.0),
        "min_interval": 0.02,
    }
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        nap.detect_oscillatory_events(**args)
