"""The block-operation contract: sizes from the declaration, kinds, segments, executors."""

from __future__ import annotations

import numpy as np
import pytest

from memphys.config import config_context
from memphys.engine import (
    DASK_CLUSTER_LIMITS,
    DASK_LOCAL_LIMITS,
    LOCAL_LIMITS,
    Block,
    BlockOp,
    CollectSink,
    FuncOp,
    JobKwargs,
    ReduceOp,
    Sum,
    block_limits,
    op_block_size,
    op_plan,
    run_op,
)
from memphys.errors import MemoryBudgetError, MemphysTypeError, MemphysValueError


class Scale(BlockOp):
    dtype = np.float64

    def __init__(self, temp: int = 0, halo: int = 0) -> None:
        self.temp = temp
        self.halo = halo

    def temp_bytes_per_row(self, in_dtype, in_trailing):
        return self.temp

    def __call__(self, data, block):
        return data * 2.0


class Lengths(BlockOp):
    kind = "gather"

    def __call__(self, data, block):
        return (block.start, block.stop, block.at_segment_start, block.at_segment_stop)


def test_block_size_follows_the_declared_temporaries():
    x = np.zeros((100_000, 4), dtype=np.int16)  # 8 bytes per row
    with config_context(memory_budget="1M"):
        light = op_block_size(Scale(temp=0), x)
        heavy = op_block_size(Scale(temp=1000), x)
    # per row: 8 read + 32 produced (float64 x 4) vs 1008 read + 32 produced
    assert light == 2**20 // 40
    assert heavy == 2**20 // 1040


def test_halo_costs_read_memory_only():
    x = np.zeros((100_000, 1), dtype=np.float64)
    with config_context(memory_budget="1M"):
        size = op_block_size(Scale(temp=8, halo=1000), x)
    assert size == (2**20 - 2000 * 16) // (16 + 8)


def test_budget_too_small_names_the_operation():
    x = np.zeros((1000, 4))
    op = Scale(temp=10**6)
    op.label = "my scaling"
    with config_context(memory_budget=1000), pytest.raises(MemoryBudgetError, match="my scaling"):
        run_op(op, x)


def test_executor_limits():
    assert block_limits(JobKwargs(n_jobs=2, pool_engine="process")) == LOCAL_LIMITS
    assert block_limits(JobKwargs(n_jobs=2, pool_engine="dask")) == DASK_LOCAL_LIMITS
    assert DASK_CLUSTER_LIMITS.input_bytes > DASK_LOCAL_LIMITS.input_bytes
    x = np.zeros((2**24, 1), dtype=np.int16)
    local = op_block_size(FuncOp(np.abs, factor=1.0), x, n_jobs=1)
    dask = op_block_size(FuncOp(np.abs, factor=1.0), x, n_jobs=1, pool_engine="dask")
    assert local * 2 == LOCAL_LIMITS.input_bytes
    assert dask == 2 * local


def test_segments_and_block_bounds():
    x = np.arange(100.0)
    got = run_op(Lengths(), x, [(0, 10), (20, 45)], chunk_size=10)
    assert got == [
        (0, 10, True, True),
        (20, 30, True, False),
        (30, 40, False, False),
        (40, 45, False, True),
    ]
    y = run_op(Scale(halo=2), x, [(0, 10), (20, 45)], chunk_size=7)
    np.testing.assert_array_equal(y, np.r_[x[0:10], x[20:45]] * 2)


def test_block_multiple_counts_from_each_segment_start():
    class Multiple(Lengths):
        block_multiple = 4

    got = run_op(Multiple(), np.zeros(100), [(3, 30)], chunk_size=10)
    assert [s for s, *_ in got] == [3, 11, 19, 27]


def test_whole_segments_when_they_fit():
    class Whole(Lengths):
        whole_segments = True

    x = np.zeros((100_000, 1))
    with config_context(memory_budget="1M"):
        small = op_plan(Whole(), x, [(0, 1000), (5000, 90_000)])
    lengths = [b.length for b in small]
    assert lengths[0] == 1000  # fits: one block
    assert len(lengths) > 2  # the long one is split
    assert sum(lengths) == 1000 + 85_000
    assert [b.segment for b in small][:2] == [0, 1]


def test_reduce_and_errors():
    x = np.ones((50, 3))
    np.testing.assert_array_equal(run_op(ReduceOp(Sum()), x, chunk_size=7), [50.0] * 3)
    with pytest.raises(MemphysValueError, match="returns a value"):
        run_op(ReduceOp(Sum()), x, out=np.empty((50, 3)))
    with pytest.raises(MemphysTypeError, match="BlockOp"):
        run_op(lambda d, b: d, x)

    class NoSink(BlockOp):
        kind = "reduce"

    with pytest.raises(MemphysTypeError, match="sink"):
        run_op(NoSink(), x)

    class BadKind(BlockOp):
        kind = "scan"

    with pytest.raises(MemphysValueError, match="'map', 'reduce', 'gather'"):
        run_op(BadKind(), x)
    assert isinstance(Lengths().sink(), CollectSink)


@pytest.mark.parametrize(
    "job",
    [
        {"pool_engine": "serial"},
        {"pool_engine": "thread", "n_jobs": 2},
        {"pool_engine": "process", "n_jobs": 2},
        {"pool_engine": "dask", "n_jobs": 2},
    ],
    ids=lambda j: j["pool_engine"],
)
def test_map_equal_on_every_executor(job, tmp_path):
    x = np.random.default_rng(0).normal(size=(5000, 3))
    ref = x * 2.0
    np.testing.assert_array_equal(run_op(Scale(halo=3), x, chunk_size=333, **job), ref)
    out = run_op(Scale(halo=3), x, out=str(tmp_path / "y.npy"), chunk_size=333, **job)
    np.testing.assert_array_equal(np.asarray(out), ref)


def test_block_round_trips_as_a_task():
    b = Block(3, 1, 10, 20, 8, 22, 40, 5, 30)
    assert Block.from_task(b.as_task()) == b
    assert Block(0, 0, 0, 5, 0, 5, 0).at_segment_start  # bounds unknown: its own
