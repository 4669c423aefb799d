"""Tests of TsdTensor."""

from __future__ import annotations

import numpy as np
import pytest

import memphys as nap


def test_construction_and_shape() -> None:
    x = nap.TsdTensor(t=np.arange(10.0), d=np.random.default_rng(0).random((10, 3, 2)))
    assert x.shape == (10, 3, 2)
    assert x.ndim == 3
    assert x.nap_class == "TsdTensor"
    assert isinstance(
        nap.TsdTensor(t=list(np.arange(3)), d=list(np.zeros((3, 2, 2)))), nap.TsdTensor
    )
    assert len(nap.TsdTensor(t=np.array([]), d=np.empty((0, 2, 3)))) == 0
    with pytest.raises(RuntimeError, match="more than 2 dimensions"):
        nap.TsdTensor(t=np.arange(3), d=np.zeros((3, 2)))
    with pytest.raises(AssertionError):
        nap.TsdTensor(t=np.arange(100), d=np.zeros((10, 10, 3)))
    with pytest.raises(RuntimeError, match="Unknown format for d"):
        nap.TsdTensor(t=np.arange(3), d=None)


def test_indexing_and_reductions() -> None:
    d = np.arange(60.0).reshape(10, 3, 2)
    x = nap.TsdTensor(t=np.arange(10.0), d=d)
    assert isinstance(x[2:5], nap.TsdTensor)
    frame = x[:, 0]
    assert isinstance(frame, nap.TsdFrame)
    np.testing.assert_array_equal(frame.values, d[:, 0])
    assert isinstance(x[:, 0, 1], nap.Tsd)
    np.testing.assert_array_equal(x[3], d[3])
    m = np.mean(x, axis=(1, 2))
    assert isinstance(m, nap.Tsd)
    np.testing.assert_allclose(m.values, d.mean(axis=(1, 2)))
    assert isinstance(np.mean(x, axis=0), np.ndarray)
    r = x.restrict(nap.IntervalSet(2, 4))
    np.testing.assert_array_equal(r.values, d[2:5])


def test_repr() -> None:
    x = nap.TsdTensor(t=np.arange(3.0), d=np.arange(12.0).reshape(3, 2, 2))
    lines = repr(x).splitlines()
    assert lines[0].startswith("Time (s)")
    assert lines[2].startswith("0 ")  # tabulate's "g" for the times, as pynapple
    assert "[[0., 1.] ...]" in lines[2]
    assert lines[-1] == "dtype: float64, shape: (3, 2, 2)"
    assert "shape: (0, 10, 20)" in repr(nap.TsdTensor(t=np.array([]), d=np.empty((0, 10, 20))))
