"""build_tensor and warp_tensor: pynapple's semantics, lazy sources equal to in-memory."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memphys as nap


def epochs():
    return nap.IntervalSet(start=[20.0, 40.0, 60.0], end=[22.0, 44.0, 66.0])


def test_build_tensor_group_and_tsd():
    group = nap.TsGroup({0: nap.Ts(t=np.arange(0, 100)), 1: nap.Ts(t=np.arange(0, 100, 0.5))})
    tensor = nap.build_tensor(group, epochs(), bin_size=1)
    assert tensor.shape == (2, 3, 6)
    np.testing.assert_array_equal(tensor[0, 0], [1, 1, np.nan, np.nan, np.nan, np.nan])
    np.testing.assert_array_equal(tensor[1, 2], [2] * 6)
    end = nap.build_tensor(group, epochs(), bin_size=1, align="end")
    np.testing.assert_array_equal(end[0, 0], [np.nan] * 4 + [1, 1])
    x = nap.TsdFrame(t=np.arange(100.0), d=np.arange(200.0).reshape(2, 100).T)
    t2 = nap.build_tensor(x, epochs(), padding_value=-1)
    assert t2.shape == (2, 3, 7)
    np.testing.assert_array_equal(t2[1, 0], [120, 121, 122, -1, -1, -1, -1])


def test_warp_tensor_counts_and_values():
    group = nap.TsGroup({0: nap.Ts(t=np.arange(0, 100))})
    np.testing.assert_array_equal(
        nap.warp_tensor(group, epochs(), 4)[0],
        [[1, 0, 1, 0], [1, 1, 1, 1], [2, 1, 2, 1]],
    )
    ts = nap.warp_tensor(nap.Ts(t=np.arange(0, 100)), epochs(), 4)
    assert ts.shape == (3, 4)
    tsd = nap.Tsd(t=np.arange(100.0), d=np.arange(100.0))
    np.testing.assert_allclose(
        nap.warp_tensor(tsd, epochs(), 3), [[20, 21, 22], [40.5, 42, 43], [60.5, 62.5, 64.5]]
    )
    # fewer samples than bins: interpolated; exactly num_bins samples: copied
    np.testing.assert_allclose(nap.warp_tensor(tsd, epochs(), 5)[0], [20, 20.5, 21, 21.5, 22])
    np.testing.assert_allclose(nap.warp_tensor(tsd, nap.IntervalSet(10, 12), 3)[0], [10, 11, 12])


def test_warp_tensor_empty_trial_is_nan_and_tensor_axes():
    tsd = nap.Tsd(t=np.arange(100.0), d=np.arange(100.0))
    out = nap.warp_tensor(tsd, nap.IntervalSet([10, 50.2], [20, 50.4]), 4)
    assert np.all(np.isnan(out[1]))
    assert not np.any(np.isnan(out[0]))
    x = nap.TsdTensor(t=np.arange(100.0), d=np.random.default_rng(0).normal(size=(100, 2, 3)))
    assert nap.warp_tensor(x, epochs(), 5).shape == (2, 3, 3, 5)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"input": {}}, "Parameter input must be of type"),
        ({"epochs": [1, 2]}, "Parameter epochs must be of type ['IntervalSet']"),
        ({"num_bins": 2.5}, "Parameter num_bins must be of type ['int']"),
    ],
)
def test_warp_tensor_type_errors(kwargs, message):
    args = {"input": nap.Tsd(t=np.arange(5.0), d=np.zeros(5)), "epochs": epochs(), "num_bins": 3}
    args.update(kwargs)
    with pytest.raises(TypeError, match=message.replace("[", r"\[").replace("]", r"\]")):
        nap.warp_tensor(**args)


def test_errors():
    group = nap.TsGroup({0: nap.Ts(t=np.arange(0, 100))})
    with pytest.raises(RuntimeError, match=r"num_bins should be positive integer\."):
        nap.warp_tensor(group, epochs(), 0)
    with pytest.raises(RuntimeError, match="bin_size should be specified"):
        nap.build_tensor(group, epochs())
    with pytest.raises(RuntimeError, match="align should be"):
        nap.build_tensor(group, epochs(), 1, align="middle")
    with pytest.raises(TypeError, match="Parameter bin_size must be of type"):
        nap.build_tensor(group, epochs(), "1")


def test_warp_tensor_over_budget_goes_trial_batch_by_trial_batch():
    x = nap.TsdFrame(t=np.arange(100.0), d=np.random.default_rng(0).normal(size=(100, 50)))
    whole = nap.warp_tensor(x, epochs(), 100)
    with nap.config_context(memory_budget=10_000):  # the result alone is 120 kB
        batched = nap.warp_tensor(x, epochs(), 100)
    np.testing.assert_array_equal(batched, whole)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**31), num_bins=st.integers(1, 30))
def test_warp_tensor_memmap_equals_memory(tmp_path_factory, seed, num_bins):
    rng = np.random.default_rng(seed)
    d = rng.normal(size=(3000, 2))
    path = tmp_path_factory.mktemp("w") / "x.dat"
    mm = np.memmap(path, dtype="f8", mode="w+", shape=d.shape)
    mm[:] = d
    mm.flush()
    s = np.sort(rng.uniform(0, 30, 8))
    ep = nap.IntervalSet(s[0::2], s[1::2])
    mem = nap.warp_tensor(nap.TsdFrame(d=d, rate=100.0, start=0.0), ep, num_bins)
    lazy = nap.TsdFrame(
        d=np.memmap(path, dtype="f8", mode="r", shape=d.shape), rate=100.0, start=0.0
    )
    np.testing.assert_array_equal(nap.warp_tensor(lazy, ep, num_bins), mem)
    assert mem.shape == (2, 4, num_bins)
    with nap.config_context(memory_budget=60_000):  # batches of ~300 rows, one trial at least
        np.testing.assert_array_equal(nap.warp_tensor(lazy, ep, num_bins), mem)
