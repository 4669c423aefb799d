"""Filters of memphys.process.filtering: equivalence with the whole-epoch computation and
with scipy, dtype rules, out=, the memory budget, and errors."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy import signal

import memphys as nap
from memphys.core.time_index import RegularTimeIndex
from memphys.engine import ResultOnDiskWarning
from memphys.errors import MemphysValueError
from memphys.process import _sos_kernel, filtering
from memphys.process._sos import FiltFiltBlock, butter_sos

FS = 1250.0
KINDS = {
    "bandpass": (nap.apply_bandpass_filter, (10.0, 20.0)),
    "bandstop": (nap.apply_bandstop_filter, (45.0, 55.0)),
    "lowpass": (nap.apply_lowpass_filter, 40.0),
    "highpass": (nap.apply_highpass_filter, 30.0),
}


def rel_err(a: np.ndarray, b: np.ndarray) -> float:
    """max |a - b| over max |b|, per channel, worst channel."""
    a2 = np.asarray(a, dtype=np.float64).reshape(len(a), -1)
    b2 = np.asarray(b, dtype=np.float64).reshape(len(b), -1)
    scale = np.maximum(np.abs(b2).max(axis=0), 1e-300)
    return float((np.abs(a2 - b2).max(axis=0) / scale).max())


def make_epochs(draw_bounds: list[int], n: int) -> nap.IntervalSet:
    """Epochs from sorted sample positions (pairs), in seconds at FS."""
    b = sorted(set(min(max(x, 0), n - 1) for x in draw_bounds))
    if len(b) % 2:
        b = b[:-1]
    starts = np.array(b[0::2]) / FS
    ends = np.array(b[1::2]) / FS
    return nap.IntervalSet(starts, ends)


def per_epoch_reference(tsd, sos, dtype):
    """Each epoch filtered whole (one block) at ``dtype``, concatenated."""
    f = FiltFiltBlock(sos, dtype)
    parts = [f.filter_epoch(tsd.restrict(ep).values) for ep in tsd.time_support]
    return np.concatenate(parts, axis=0)


# --- equivalence ---------------------------------------------------------------------------
@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    kind=st.sampled_from(sorted(KINDS)),
    bounds=st.lists(st.integers(0, 40000), min_size=2, max_size=8),
    chunk=st.integers(50, 25000),  # > 4 halos: the kernel also splits blocks in two chains
    n_jobs=st.sampled_from([1, 2]),
    n_channels=st.sampled_from([None, 1, 3, 17]),
    seed=st.integers(0, 1000),
)
def test_blockwise_float64_equals_whole_epoch(kind, bounds, chunk, n_jobs, n_channels, seed):
    n = 40000
    ep = make_epochs(bounds, n)
    rng = np.random.default_rng(seed)
    shape = (n,) if n_channels is None else (n, n_channels)
    x = (
        nap.Tsd(t=np.arange(n) / FS, d=rng.normal(size=n) * 100)
        if n_channels is None
        else (nap.TsdFrame(t=np.arange(n) / FS, d=rng.normal(size=shape) * 100))
    )
    x = x.restrict(ep)
    lengths = [len(x.restrict(e)) for e in x.time_support]
    if not lengths or min(lengths) <= 30:  # padlen of an order-4 band filter is 27
        return
    func, cutoff = KINDS[kind]
    y = func(x, cutoff, FS, chunk_size=chunk, n_jobs=n_jobs, pool_engine="thread")
    sos = butter_sos(4, cutoff, kind, FS)
    ref = per_epoch_reference(x, sos, np.float64)
    assert y.dtype == np.float64
    assert rel_err(y.values, ref) < 1e-6
    # and scipy's sosfiltfilt itself, per epoch
    sci = np.concatenate(
        [signal.sosfiltfilt(sos, x.restrict(e).values, axis=0) for e in x.time_support]
    )
    assert rel_err(y.values, sci) < 1e-6
    np.testing.assert_array_equal(y.t, x.t)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    chunk=st.integers(200, 8000),
    n_jobs=st.sampled_from([1, 2]),
    split=st.integers(3000, 17000),
    seed=st.integers(0, 1000),
)
def test_blockwise_float32_equals_whole_epoch_float32(chunk, n_jobs, split, seed):
    n = 20000
    rng = np.random.default_rng(seed)
    d = rng.integers(-3000, 3000, size=(n, 4)).astype(np.int16)
    ep = nap.IntervalSet([0.0, (split + 10) / FS], [split / FS, (n - 1) / FS])
    x = nap.TsdFrame(t=np.arange(n) / FS, d=d, time_support=ep)
    y = nap.apply_bandpass_filter(x, (10, 20), FS, chunk_size=chunk, n_jobs=n_jobs)
    assert y.dtype == np.float32
    sos = butter_sos(4, (10.0, 20.0), "bandpass", FS)
    ref32 = per_epoch_reference(x, sos, np.float32)
    assert rel_err(y.values, ref32) < 1e-6
    sci = np.concatenate(
        [signal.sosfiltfilt(sos, x.restrict(e).values, axis=0) for e in x.time_support]
    )
    assert rel_err(y.values, sci) < 1e-4


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_single_block_is_identical_to_whole_epoch(dtype):
    x = nap.TsdFrame(t=np.arange(6000) / FS, d=np.random.default_rng(0).normal(size=(6000, 3)))
    y = nap.apply_bandpass_filter(x, (10, 20), FS, dtype=dtype)
    ref = FiltFiltBlock(butter_sos(4, (10, 20), "bandpass", FS), dtype).filter_epoch(x.values)
    np.testing.assert_array_equal(y.values, ref)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_numba_and_scipy_backends_give_the_same_result(kind, monkeypatch):
    func, cutoff = KINDS[kind]
    x = nap.TsdFrame(t=np.arange(9000) / FS, d=np.random.default_rng(1).normal(size=(9000, 5)))
    a = func(x, cutoff, chunk_size=2000, n_jobs=2, pool_engine="thread")
    monkeypatch.setattr(_sos_kernel, "default_backend", lambda: "scipy")
    b = func(x, cutoff, chunk_size=2000)
    np.testing.assert_array_equal(a.values, b.values)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(KINDS)),
    chunk=st.integers(20, 3000),
    split=st.integers(400, 7000),
    tb=st.sampled_from([0.02, 0.05, 0.2]),
)
def test_sinc_blockwise_equals_convolve(kind, chunk, split, tb):
    n = 8000
    d = np.random.default_rng(split).normal(size=(n, 2))
    ep = nap.IntervalSet([0.0, (split + 5) / FS], [split / FS, (n - 1) / FS])
    x = nap.TsdFrame(t=np.arange(n) / FS, d=d, time_support=ep)
    func, cutoff = KINDS[kind]
    y = func(x, cutoff, FS, mode="sinc", transition_bandwidth=tb, chunk_size=chunk)
    kernel = filtering._get_windowed_sinc_kernel(np.asarray(cutoff), kind, FS, tb)
    ref = x.convolve(kernel)
    assert rel_err(y.values, ref.values) < 1e-10


# --- dtypes, objects, out= -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("in_dtype", "asked", "expected"),
    [
        ("int16", None, "float32"),
        ("int32", None, "float32"),
        ("uint8", None, "float32"),
        ("float32", None, "float32"),
        ("float64", None, "float64"),
        ("int16", "float64", "float64"),
        ("float64", "float32", "float32"),
    ],
)
@pytest.mark.parametrize("mode", ["butter", "sinc"])
def test_output_dtype(in_dtype, asked, expected, mode):
    d = (np.random.default_rng(0).normal(size=(3000, 2)) * 100).astype(in_dtype)
    x = nap.TsdFrame(t=np.arange(3000) / FS, d=d)
    y = nap.apply_lowpass_filter(x, 40.0, mode=mode, dtype=asked)
    assert y.dtype == np.dtype(expected)
    assert y.values.dtype == np.dtype(expected)


def test_int16_output_is_not_quantised():
    t = np.arange(5000) / 1000
    x = nap.Tsd(t=t, d=(3 * np.sin(2 * np.pi * 50 * t)).astype(np.int16))
    y = nap.apply_bandpass_filter(x, (40, 60), 1000)
    assert np.unique(y.values).size > 1000  # pynapple's int16 output has 7 values


@pytest.mark.parametrize("bad", ["int16", "complex64", "float16"])
def test_bad_dtype_argument(bad):
    x = nap.Tsd(t=np.arange(1000) / FS, d=np.zeros(1000))
    with pytest.raises(MemphysValueError, match="`dtype`: expected float32 or float64"):
        nap.apply_lowpass_filter(x, 40.0, dtype=bad)


@pytest.mark.parametrize("cls", ["Tsd", "TsdFrame", "TsdTensor"])
def test_same_type_same_times_regular_index_kept(cls):
    n = 4000
    rng = np.random.default_rng(0)
    shape = {"Tsd": (n,), "TsdFrame": (n, 3), "TsdTensor": (n, 2, 3)}[cls]
    kw = {"columns": ["a", "b", "c"]} if cls == "TsdFrame" else {}
    x = getattr(nap, cls)(d=rng.normal(size=shape), rate=FS, start=0.0, **kw)
    assert isinstance(x.time_index, RegularTimeIndex)
    y = nap.apply_highpass_filter(x, 5.0, chunk_size=700)
    assert type(y) is type(x)
    assert isinstance(y.time_index, RegularTimeIndex)
    np.testing.assert_array_equal(y.t, x.t)
    np.testing.assert_array_equal(y.time_support.values, x.time_support.values)
    if cls == "TsdFrame":
        assert list(y.columns) == ["a", "b", "c"]
    assert y.shape == x.shape


@pytest.mark.parametrize("suffix", [".npy", ".zarr"])
def test_out_path_on_a_memmap(tmp_path, suffix):
    n = 30000
    d = np.random.default_rng(0).integers(-1000, 1000, size=(n, 16)).astype(np.int16)
    raw = tmp_path / "raw.dat"
    d.tofile(raw)
    mm = np.memmap(raw, dtype=np.int16, mode="r", shape=(n, 16))
    eeg = nap.TsdFrame(t=np.arange(n) / FS, d=mm)
    out = tmp_path / f"filtered{suffix}"
    y = nap.apply_bandpass_filter(eeg, (10, 20), FS, out=str(out), chunk_size=5000, n_jobs=2)
    assert out.exists()
    assert not isinstance(y.values, np.ndarray) or isinstance(y.values, np.memmap)
    ref = nap.apply_bandpass_filter(nap.TsdFrame(t=np.arange(n) / FS, d=d), (10, 20), FS)
    assert rel_err(np.asarray(y.values), ref.values) < 1e-5
    assert y.dtype == np.float32


def test_out_array(tmp_path):
    x = nap.Tsd(t=np.arange(5000) / FS, d=np.random.default_rng(0).normal(size=5000))
    buf = np.zeros(5000)
    y = nap.apply_lowpass_filter(x, 50.0, out=buf)
    np.testing.assert_array_equal(buf, y.values)
    assert np.abs(buf).max() > 0


def test_seed_workflow_restrict_then_filter(tmp_path):
    n = 60000
    d = np.random.default_rng(5).integers(-2000, 2000, size=(n, 16)).astype(np.int16)
    raw = tmp_path / "eeg.dat"
    d.tofile(raw)
    eeg = nap.TsdFrame(t=np.arange(n) / FS, d=np.memmap(raw, np.int16, "r", shape=(n, 16)))
    ep = nap.IntervalSet([2.0, 20.0], [15.0, 40.0])
    y = nap.apply_bandpass_filter(eeg.restrict(ep), (10, 20), 1250)
    sos = butter_sos(4, (10, 20), "bandpass", FS)
    sci = np.concatenate([signal.sosfiltfilt(sos, eeg.restrict(e).values, axis=0) for e in ep])
    assert y.dtype == np.float32
    assert y.shape == sci.shape
    assert rel_err(y.values, sci) < 1e-4
    np.testing.assert_array_equal(y.time_support.values, ep.values)


def test_result_over_budget_in_memory_or_on_disk(tmp_path, monkeypatch):
    n = 200000
    x = nap.TsdFrame(t=np.arange(n) / FS, d=np.zeros((n, 8), dtype=np.int16))
    with nap.config_context(memory_budget=2 * 2**20):
        # the budget bounds the working memory, not the result (6.4 MB here)
        y = nap.apply_bandpass_filter(x, (10, 20), chunk_size=10000)
        assert type(y.values) is np.ndarray
        assert y.shape == (n, 8)
        # a result that does not fit the available memory goes to a temporary file
        monkeypatch.setenv("MEMPHYS_MEMORY_AVAILABLE", "4M")
        with pytest.warns(ResultOnDiskWarning, match="out="):
            y = nap.apply_bandpass_filter(x, (10, 20))
        assert isinstance(y.values, np.memmap)
        assert y.shape == (n, 8)
        assert not np.any(y.values)
        monkeypatch.delenv("MEMPHYS_MEMORY_AVAILABLE")
        y = nap.apply_bandpass_filter(x, (10, 20), chunk_size=10000, out=str(tmp_path / "o.npy"))
    assert isinstance(y.values, np.memmap)
    assert y.shape == (n, 8)


# --- errors --------------------------------------------------------------------------------
@pytest.fixture
def sig():
    return nap.Tsd(t=np.arange(2000) / 1000, d=np.random.default_rng(0).normal(size=2000))


@pytest.mark.parametrize(
    ("func", "cutoff", "match"),
    [
        (nap.apply_lowpass_filter, 500.0, "0 < cutoff < fs/2 = 500 Hz"),
        (nap.apply_highpass_filter, 900.0, "0 < cutoff < fs/2 = 500 Hz"),
        (nap.apply_bandpass_filter, (10.0, 600.0), "0 < low < high < fs/2 = 500 Hz"),
        (nap.apply_bandstop_filter, (30.0, 20.0), "0 < low < high"),
        (nap.apply_lowpass_filter, -1.0, "0 < cutoff"),
    ],
)
@pytest.mark.parametrize("mode", ["butter", "sinc"])
def test_bad_cutoffs_vs_nyquist(sig, func, cutoff, match, mode):
    with pytest.raises(MemphysValueError, match=match):
        func(sig, cutoff, fs=1000.0, mode=mode)


def test_unknown_mode(sig):
    with pytest.raises(ValueError, match=r"Unrecognized filter mode\. Choose either"):
        nap.apply_lowpass_filter(sig, 10.0, mode="fir")


@pytest.mark.parametrize("order", [0, -2])
def test_order_below_one(sig, order):
    with pytest.raises(MemphysValueError, match="`order`: expected an integer >= 1"):
        nap.apply_lowpass_filter(sig, 10.0, order=order)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"order": 2.0}, "Parameter 'order' should be of type int"),
        ({"fs": "1000"}, "Parameter 'fs' should be of type float or int"),
        ({"fs": -5.0}, "`fs`: expected a number > 0"),
        ({"transition_bandwidth": 1}, "'transition_bandwidth' should be of type float"),
        ({"transition_bandwidth": 0.0}, r"expected a float in \(0, 0.5\]"),
    ],
)
def test_bad_arguments(sig, kwargs, match):
    with pytest.raises(ValueError, match=match):
        nap.apply_lowpass_filter(sig, 10.0, **kwargs)


def test_unknown_job_kwarg(sig):
    with pytest.raises(TypeError, match="unexpected keyword argument"):
        nap.apply_lowpass_filter(sig, 10.0, n_job=2)


def test_not_a_time_series():
    with pytest.raises(ValueError, match="First argument should be of type Tsd"):
        nap.apply_lowpass_filter(np.zeros(100), 10.0, fs=100.0)


def test_nan_in_a_lazy_source(tmp_path):
    d = np.random.default_rng(0).normal(size=(5000, 2))
    d[4321, 1] = np.nan
    np.save(tmp_path / "x.npy", d)
    mm = np.load(tmp_path / "x.npy", mmap_mode="r")
    x = nap.TsdFrame(t=np.arange(5000) / FS, d=mm)
    with pytest.raises(ValueError, match="contains NaN values"):
        nap.apply_lowpass_filter(x, 10.0, chunk_size=1000)


def test_epoch_shorter_than_padlen():
    x = nap.Tsd(
        t=np.arange(1000) / FS,
        d=np.ones(1000),
        time_support=nap.IntervalSet([0.0, 0.5], [0.4, 0.5 + 10 / FS]),
    )
    with pytest.raises(MemphysValueError, match="more than padlen"):
        nap.apply_bandpass_filter(x, (10, 20))


def test_frequency_response():
    r = nap.get_filter_frequency_response((10, 20), 1250, "bandpass", "butter")
    peak = float(r.index[np.argmax(r.values)])
    assert 10 < peak < 20
    assert len(r) == 1024
    s = nap.get_filter_frequency_response(40.0, 1250, "lowpass", "sinc", 4, 0.05)
    assert abs(s.iloc[0] - 1) < 1e-9
    assert s.index.min() == 0
    with pytest.raises(MemphysValueError, match="0 < cutoff < fs/2"):
        nap.get_filter_frequency_response(700, 1250, "lowpass", "butter")
    with pytest.raises(ValueError, match="Unrecognized filter mode"):
        nap.get_filter_frequency_response(70, 1250, "lowpass", "x")


def test_sinc_warns_as_pynapple_on_epochs_shorter_than_its_kernel():
    t = np.arange(1000) / 1000.0
    short = nap.IntervalSet([0.0, 0.5], [0.1, 0.52])
    x = nap.Tsd(t=t, d=np.random.default_rng(0).standard_normal(1000), time_support=short)
    msg = r"Kernel size \(201 samples\) is larger .* in 2 out of 2 epochs \(shortest epoch has 21"
    with pytest.warns(UserWarning, match=msg):
        y = nap.apply_bandpass_filter(x, (10, 20), 1000, mode="sinc")
    assert len(y) == len(x)
    long = nap.Tsd(t=t, d=np.zeros(1000))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        nap.apply_lowpass_filter(long, 50, 1000, mode="sinc")  # 1000 samples > the kernel
        nap.apply_bandpass_filter(long, (10, 20), 1000)  # butter has no kernel
