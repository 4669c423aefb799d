"""map_chunks and iter_chunks on time series objects."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from tests.core._tsd_helpers import SpyArray, random_epochs

import memphys as nap
from memphys.errors import MemoryBudgetError


def _frame(n=1000, seed=0):
    d = np.random.default_rng(seed).integers(-100, 100, (n, 3)).astype("int16")
    return d, nap.TsdFrame(d=SpyArray(d), rate=100.0, columns=["a", "b", "c"])


def _moving_sum(x):
    n = x.shape[0]
    return np.stack([np.convolve(x[:, i], np.ones(5))[2 : 2 + n] for i in range(x.shape[1])], 1)


class TestMapChunks:
    @settings(max_examples=25, deadline=None)
    @given(seed=st.integers(0, 2**16), chunk=st.integers(1, 200))
    def test_halo_equals_whole_epoch(self, seed, chunk):
        rng = np.random.default_rng(seed)
        d, x = _frame(seed=seed)
        ep = random_epochs(rng, 0, 10, int(rng.integers(1, 4)))
        got = x.map_chunks(_moving_sum, halo=2, ep=ep, chunk_size=chunk)
        rows = [d[(x.t >= s) & (x.t <= e)] for s, e in ep.values]
        parts = [_moving_sum(r) for r in rows if len(r)]
        exp = np.concatenate(parts) if parts else np.zeros((0, 3))
        np.testing.assert_array_equal(got.values, exp)
        assert isinstance(got, nap.TsdFrame)
        assert list(got.columns) == ["a", "b", "c"]

    @pytest.mark.parametrize("engine", ["thread", "process"])
    def test_parallel(self, engine):
        d, _ = _frame(n=3000)
        x = nap.TsdFrame(d=d, rate=100.0)
        got = x.map_chunks(_moving_sum, halo=2, chunk_size=97, n_jobs=2, pool_engine=engine)
        np.testing.assert_array_equal(got.values, _moving_sum(d))

    def test_out_paths_are_lazy(self, tmp_path):
        d, x = _frame()
        npy = x.map_chunks(lambda v: v * 0.5, out=str(tmp_path / "o.npy"), chunk_size=64)
        assert isinstance(npy.values, np.memmap)
        assert npy.time_index.equals(x.time_index)
        np.testing.assert_array_equal(npy.values, d * 0.5)
        z = x.map_chunks(lambda v: v[:, :1], out=str(tmp_path / "o.zarr"), chunk_size=64)
        assert type(z.values).__module__.startswith("zarr")
        np.testing.assert_array_equal(np.asarray(z.values[:]), d[:, :1])

    def test_shape_change_and_type(self):
        d, x = _frame()
        s = x.map_chunks(lambda v: v.sum(axis=1))
        assert isinstance(s, nap.Tsd)
        np.testing.assert_array_equal(s.values, d.sum(axis=1))

    def test_budget_and_errors(self):
        _, x = _frame(n=5000)
        with nap.config_context(memory_budget=10_000):  # bounds the blocks, not the result
            np.testing.assert_allclose(
                x.map_chunks(lambda v: v * 1.0, chunk_size=100).values, x.values
            )
        with nap.config_context(memory_budget=10), pytest.raises(MemoryBudgetError):
            x.map_chunks(lambda v: v * 1.0)  # not even one row fits a block
        with pytest.raises(TypeError, match="callable"):
            x.map_chunks(3)
        with pytest.raises(TypeError, match="unexpected keyword"):
            x.map_chunks(np.abs, foo=1)


class TestIterChunks:
    def test_blocks_cover_epochs_with_halo(self):
        d, x = _frame(n=500)
        ep = nap.IntervalSet([0.0, 2.0], [1.0, 4.99])
        seen = []
        for block, chunk in x.iter_chunks(chunk_size=40, halo=3, ep=ep):
            assert isinstance(chunk, nap.TsdFrame)
            core = block.trim(chunk)
            np.testing.assert_array_equal(core.values, d[block.start : block.stop])
            np.testing.assert_allclose(core.t, np.arange(block.start, block.stop) / 100.0)
            seen.extend(range(block.start, block.stop))
        i0, i1 = x.time_index.epoch_positions(ep.start, ep.end)
        assert seen == [i for a, b in zip(i0, i1, strict=False) for i in range(a, b)]
        assert x.values.rows <= len(seen) + 6 * x.values.reads  # blocks plus their halos
