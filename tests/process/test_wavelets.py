"""generate_morlet_filterbank and compute_wavelet_transform.

The reference transform is the definition: for each epoch, channel and wavelet of the
(padded) filter bank, ``numpy.convolve(..., mode="full")`` of the epoch cut to the
epoch's length as pynapple trims it. The chunked transform must equal it to
``1e-10`` of the largest coefficient, for random epochs, block sizes and executors.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memphys as nap
from memphys.engine import ResultOnDiskWarning
from memphys.errors import EdgeEffectWarning, IntervalSetWarning, MemoryBudgetError

TOL = 1e-10


def ref_transform(t, d, starts, ends, bank, freqs, fs, norm):
    """Direct convolution of each epoch with each wavelet (zero padding outside)."""
    k = bank.shape[0]
    x = d.reshape(len(d), -1).astype(float)
    out = np.zeros((len(d), x.shape[1], bank.shape[1]), dtype=complex)
    c0 = (k - 1) // 2
    for s, e in zip(starts, ends, strict=True):
        a = np.searchsorted(t, s, side="left")
        b = np.searchsorted(t, e, side="right")
        if b <= a:
            continue
        for c in range(x.shape[1]):
            for j in range(bank.shape[1]):
                full = np.convolve(x[a:b, c], bank[:, j], mode="full")
                out[a:b, c, j] = full[c0 : c0 + (b - a)]
    if norm == "l1":
        out = out / (fs / freqs)
    elif norm == "l2":
        out = out / (fs / np.sqrt(freqs))
    return out.reshape(len(d), *d.shape[1:], len(freqs))


def _signal(n, shape=(), fs=200.0, seed=0):
    rng = np.random.default_rng(seed)
    return np.arange(n) / fs, rng.normal(size=(n, *shape))


# --- filter bank ----------------------------------------------------------------------------
def test_filterbank_shape_and_peaks():
    fs = 1000
    freqs = np.array([20.0, 40.0, 80.0])
    fb = nap.generate_morlet_filterbank(freqs, fs)
    assert isinstance(fb, nap.TsdFrame)
    assert fb.dtype == np.complex128
    assert fb.shape[1] == 3
    # the longest wavelet (lowest frequency) spans 8 periods on each side
    np.testing.assert_allclose(fb.t[[0, -1]], [-8 / 20, 8 / 20])
    spec = np.abs(np.fft.fft(fb.values, axis=0))
    f = np.fft.fftfreq(fb.shape[0], 1 / fs)
    for i, fr in enumerate(freqs):
        assert abs(f[spec[:, i].argmax()] - fr) < 1.0
    # shorter wavelets are zero-padded, centred
    col = fb.values[:, 2]
    nz = np.flatnonzero(col)
    assert nz[0] > 0
    assert abs(nz[0] - (len(col) - 1 - nz[-1])) <= 1


def test_filterbank_precision_24_is_cheap():
    # 2**24 points are never materialised: only the subsampled ones
    fb = nap.generate_morlet_filterbank(np.array([5.0]), 100, precision=24)
    assert fb.shape == (320, 1)


@pytest.mark.parametrize(
    "args, exc, match",
    [
        ((np.array([0.0, 1.0]), 100), ValueError, "strictly positive"),
        (([1.0], 100), TypeError, "`freqs` must be a ndarray"),
        ((np.array([]), 100), ValueError, "cannot be empty"),
        ((np.array([1.0]), "a"), TypeError, "`fs` must be of type"),
        ((np.array([1.0]), 100, -1), ValueError, "gaussian_width must be a positive"),
        ((np.array([1.0]), 100, 1.5, "a"), TypeError, "window_length must be a float"),
        ((np.array([1.0]), 100, 1.5, 1.0, 2.5), TypeError, "precision must be"),
        ((np.array([60.0]), 100), ValueError, "Nyquist"),
        ((np.array([[1.0]]), 100), ValueError, "1-D array"),
    ],
)
def test_filterbank_errors(args, exc, match):
    with pytest.raises(exc, match=match):
        nap.generate_morlet_filterbank(*args)


# --- transform: equivalence -----------------------------------------------------------------
@st.composite
def wavelet_case(draw):
    n = draw(st.integers(50, 1500))
    shape = draw(st.sampled_from([(), (1,), (2,), (2, 2)]))
    t, d = _signal(n, shape, seed=draw(st.integers(0, 2**16)))
    n_ep = draw(st.integers(1, 3))
    cuts = np.sort(draw(st.lists(st.floats(0, n / 200.0), min_size=2 * n_ep, max_size=2 * n_ep)))
    starts, ends = cuts[0::2], cuts[1::2]
    keep = ends - starts > 0
    starts, ends = (starts[keep], ends[keep]) if keep.any() else ([0.0], [n / 200.0])
    n_f = draw(st.integers(1, 4))
    freqs = np.sort(np.array(draw(st.lists(st.floats(3.0, 100.0), min_size=n_f, max_size=n_f))))
    norm = draw(st.sampled_from([None, "l1", "l2"]))
    gw = draw(st.sampled_from([1.0, 1.5, 3.0]))
    wl = draw(st.sampled_from([0.5, 1.0, 2.0]))
    chunk = draw(st.integers(1, 700))
    engine = draw(st.sampled_from([("serial", 1), ("thread", 2)]))
    return t, d, np.asarray(starts), np.asarray(ends), freqs, norm, gw, wl, chunk, engine


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(wavelet_case())
def test_transform_equals_direct_convolution(case):
    t, d, starts, ends, freqs, norm, gw, wl, chunk, (engine, n_jobs) = case
    cls = {1: nap.Tsd, 2: nap.TsdFrame, 3: nap.TsdTensor}[d.ndim]
    with warnings.catch_warnings():
        # touching epochs are separated (1 us) with an IntervalSetWarning, as in pynapple
        warnings.simplefilter("ignore", IntervalSetWarning)
        sig = cls(t=t, d=d, time_support=nap.IntervalSet(starts, ends))
    if len(sig) == 0:
        return
    bank = nap.generate_morlet_filterbank(freqs, 200.0, gw, wl, precision=12).values
    sup = sig.time_support  # touching epochs are separated by 1 us, as pynapple
    ref = ref_transform(sig.t, sig.values, sup.start, sup.end, bank, freqs, 200.0, norm)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # kernels longer than short epochs
        r = nap.compute_wavelet_transform(
            sig,
            freqs,
            fs=200.0,
            gaussian_width=gw,
            window_length=wl,
            precision=12,
            norm=norm,
            chunk_size=chunk,
            n_jobs=n_jobs,
            pool_engine=engine,
            progress_bar=False,
        )
    assert r.shape == ref.shape
    np.testing.assert_array_equal(r.t, sig.t)
    np.testing.assert_array_equal(r.time_support.values, sig.time_support.values)
    scale = max(np.abs(ref).max(), 1e-300)
    np.testing.assert_allclose(r.values, ref, rtol=0, atol=TOL * scale)
    if d.ndim == 1:
        assert isinstance(r, nap.TsdFrame)
        np.testing.assert_array_equal(np.asarray(r.columns, dtype=float), freqs)
    else:
        assert isinstance(r, nap.TsdTensor)


def test_transform_process_executor_and_lazy_sources(tmp_path):
    import zarr

    t, d = _signal(3000, (3,))
    d = (d * 1000).astype("int16")
    freqs = np.array([4.0, 12.0, 40.0])
    ref = nap.compute_wavelet_transform(nap.TsdFrame(t=t, d=d), freqs, fs=200.0)
    np.save(tmp_path / "d.npy", d)
    mm = np.load(tmp_path / "d.npy", mmap_mode="r")
    sig = nap.TsdFrame(t=t, d=mm)
    r = nap.compute_wavelet_transform(
        sig, freqs, fs=200.0, n_jobs=2, pool_engine="process", chunk_size=400
    )
    np.testing.assert_allclose(r.values, ref.values, rtol=0, atol=TOL * np.abs(ref.values).max())
    z = zarr.create_array(str(tmp_path / "d.zarr"), shape=d.shape, chunks=(512, 3), dtype=d.dtype)
    z[:] = d
    sig = nap.TsdFrame(t=t, d=zarr.open_array(str(tmp_path / "d.zarr"), mode="r"), load_array=False)
    r = nap.compute_wavelet_transform(sig, freqs, fs=200.0, chunk_size=700)
    np.testing.assert_allclose(r.values, ref.values, rtol=0, atol=TOL * np.abs(ref.values).max())


@pytest.mark.parametrize("kind", ["npy", "zarr", "array"])
def test_transform_out(tmp_path, kind):
    t, d = _signal(2000, (2,))
    sig = nap.TsdFrame(t=t, d=d)
    freqs = np.array([5.0, 20.0])
    ref = nap.compute_wavelet_transform(sig, freqs)
    if kind == "array":
        out = np.empty((2000, 2, 2), dtype=complex)
    else:
        out = str(tmp_path / f"w.{kind}")
    r = nap.compute_wavelet_transform(sig, freqs, out=out, chunk_size=300)
    assert isinstance(r, nap.TsdTensor)
    if kind == "array":
        assert r.values is out
    else:
        assert not isinstance(r.values, np.ndarray) or isinstance(r.values, np.memmap)
    np.testing.assert_allclose(
        np.asarray(r.values[:]), ref.values, atol=TOL * np.abs(ref.values).max()
    )


def test_transform_over_budget_in_memory_or_out(tmp_path, monkeypatch):
    t, d = _signal(20_000, (4,))
    sig = nap.TsdFrame(t=t, d=d)
    freqs = np.linspace(5, 90, 10)
    with nap.config_context(memory_budget="8M"):
        inmem = nap.compute_wavelet_transform(sig, freqs)  # 12.8 MB: over the budget
        assert type(inmem.values) is np.ndarray
        monkeypatch.setenv("MEMPHYS_MEMORY_AVAILABLE", "8M")
        with pytest.warns(ResultOnDiskWarning, match="out="):
            disk = nap.compute_wavelet_transform(sig, freqs)
        np.testing.assert_array_equal(np.asarray(disk.values), inmem.values)
        monkeypatch.delenv("MEMPHYS_MEMORY_AVAILABLE")
        r = nap.compute_wavelet_transform(sig, freqs, out=str(tmp_path / "w.npy"))
    assert isinstance(r.values, np.memmap)
    assert r.shape == (20_000, 4, 10)
    ref = nap.compute_wavelet_transform(sig.restrict(nap.IntervalSet(0, 99.995)), freqs)
    np.testing.assert_allclose(r.values[:100], ref.values[:100], atol=1e-12)


def test_transform_kernel_over_budget():
    t, d = _signal(1000, (4,))
    sig = nap.TsdFrame(t=t, d=d)
    with (
        nap.config_context(memory_budget="64K"),
        pytest.raises(MemoryBudgetError, match="wavelet transform with its halo"),
        pytest.warns(EdgeEffectWarning, match="Kernel size"),  # the kernel outlasts the epoch
    ):
        nap.compute_wavelet_transform(sig, np.array([0.5]))


def test_transform_short_epoch_warns_as_pynapple():
    t, d = _signal(100)
    with pytest.warns(UserWarning, match="Kernel size"):
        nap.compute_wavelet_transform(nap.Tsd(t=t, d=d), np.array([2.0]))


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        ({"sig": "a"}, TypeError, "`sig` must be instance of Tsd, TsdFrame, or TsdTensor"),
        ({"freqs": [1.0]}, TypeError, "`freqs` must be a ndarray"),
        ({"fs": "a"}, TypeError, "`fs` must be of type float or int or None"),
        ({"norm": "l3"}, ValueError, "norm parameter must be"),
        ({"norm": 1}, ValueError, "norm parameter must be"),
        ({"freqs": np.array([150.0])}, ValueError, "Nyquist"),
        ({"fs": 400.0}, ValueError, "spaced at 200 Hz"),
        ({"gaussian_width": 0}, ValueError, "gaussian_width must be a positive"),
        ({"order": 2}, TypeError, "unexpected keyword"),
    ],
)
def test_transform_errors(kwargs, exc, match):
    t, d = _signal(500)
    args = {"sig": nap.Tsd(t=t, d=d), "freqs": np.array([10.0])}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        nap.compute_wavelet_transform(**args)
