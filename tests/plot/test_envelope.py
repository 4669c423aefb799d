"""EnvelopeOp / trace_envelope against numpy's min and max of each column's rows: any block
size, empty columns, NaN, integer and float data, every executor."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memphys.errors import MemphysValueError
from memphys.plot import EnvelopeOp, column_edges, trace_envelope


def _reference(x: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    n = len(edges) - 1
    lo = np.full((n, x.shape[1]), np.nan)
    hi = np.full((n, x.shape[1]), np.nan)
    for k in range(n):
        a, b = edges[k], edges[k + 1]
        if b > a:
            lo[k] = x[a:b].min(axis=0)
            hi[k] = x[a:b].max(axis=0)
    return lo, hi


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(1, 400),
    n_ch=st.integers(1, 5),
    n_cols=st.integers(1, 40),
    chunk=st.integers(1, 120),
    dtype=st.sampled_from(["int16", "float32", "float64", "uint8"]),
    seed=st.integers(0, 2**16),
    with_nan=st.booleans(),
)
def test_envelope_equals_numpy_per_column(n, n_ch, n_cols, chunk, dtype, seed, with_nan):
    rng = np.random.default_rng(seed)
    x = (rng.normal(size=(n, n_ch)) * 50).astype(dtype)
    if with_nan and x.dtype.kind == "f":
        x[rng.random(x.shape) < 0.05] = np.nan
    a = int(rng.integers(0, n))
    b = int(rng.integers(a + 1, n + 1))
    edges = np.sort(rng.integers(a, b + 1, n_cols + 1))
    edges[0], edges[-1] = a, b
    lo, hi = trace_envelope(x, edges, chunk_size=chunk, progress_bar=False)
    ref_lo, ref_hi = _reference(x, edges)
    np.testing.assert_array_equal(lo, ref_lo)
    np.testing.assert_array_equal(hi, ref_hi)


@pytest.mark.parametrize("engine", ["serial", "thread", "process"])
def test_envelope_every_executor(engine):
    rng = np.random.default_rng(1)
    x = rng.integers(-1000, 1000, (5000, 3)).astype("int16")
    edges = np.linspace(0, 5000, 37).astype(np.int64)
    lo, hi = trace_envelope(x, edges, chunk_size=333, n_jobs=2, pool_engine=engine)
    ref_lo, ref_hi = _reference(x, edges)
    np.testing.assert_array_equal(lo, ref_lo)
    np.testing.assert_array_equal(hi, ref_hi)


def test_envelope_channel_selection_and_memmap(tmp_path):
    x = np.arange(6000, dtype="int16").reshape(1000, 6) % 97
    path = tmp_path / "x.dat"
    x.tofile(path)
    mm = np.memmap(path, dtype="int16", mode="r", shape=(1000, 6))
    edges = np.array([10, 100, 400, 999])
    lo, hi = trace_envelope(mm, edges, channels=[1, 4], chunk_size=64, progress_bar=False)
    ref_lo, ref_hi = _reference(x[:, [1, 4]], edges)
    np.testing.assert_array_equal(lo, ref_lo)
    np.testing.assert_array_equal(hi, ref_hi)


def test_envelope_op_checks_edges():
    with pytest.raises(MemphysValueError, match="row_edges"):
        EnvelopeOp([5, 3])
    with pytest.raises(MemphysValueError, match="row_edges"):
        EnvelopeOp([1])
    with pytest.raises(MemphysValueError, match="n_columns"):
        column_edges(0, 1, 0)
    with pytest.raises(MemphysValueError, match="start, end"):
        column_edges(1, 1, 10)


def test_envelope_of_an_empty_window():
    lo, hi = trace_envelope(np.zeros((10, 2)), np.array([4, 4, 4]))
    assert lo.shape == (2, 0)
    assert hi.shape == (2, 0)
