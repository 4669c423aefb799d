"""Block plans and chunk sizes."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from memphys import config_context
from memphys.engine import Block, Plan, chunk_size_from_job_kwargs, normalize_halo, plan_blocks
from memphys.engine.plan import DEFAULT_MAX_BLOCK_BYTES
from memphys.errors import MemoryBudgetError, MemphysValueError

segments_st = st.lists(
    st.one_of(
        st.integers(0, 300),
        st.tuples(st.integers(0, 200), st.integers(0, 200)).map(lambda t: (min(t), max(t))),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=200, deadline=None)
@given(
    segments=segments_st,
    chunk_size=st.integers(1, 80),
    halo=st.tuples(st.integers(0, 30), st.integers(0, 30)),
    align=st.one_of(st.none(), st.integers(1, 40)),
)
def test_plan_covers_segments_exactly(segments, chunk_size, halo, align):
    plan = plan_blocks(segments, chunk_size, halo=halo, align_to=align)
    assert isinstance(plan, Plan)
    norm = [(0, s) if isinstance(s, int) else s for s in segments]
    assert list(plan.segments) == norm
    out = 0
    for i, b in enumerate(plan):
        assert b.index == i
        seg_start, seg_stop = norm[b.segment]
        assert seg_start <= b.read_start <= b.start < b.stop <= b.read_stop <= seg_stop
        assert 1 <= b.length <= plan.chunk_size
        assert b.trim_before == min(halo[0], b.start - seg_start)
        assert b.trim_after == min(halo[1], seg_stop - b.stop)
        assert b.out_start == out
        out += b.length
        if align is not None:
            assert plan.chunk_size % align == 0
            # boundaries inside a segment fall on multiples of the chunk size
            if b.stop != seg_stop:
                assert b.stop % plan.chunk_size == 0
    assert out == plan.n_samples == sum(b - a for a, b in norm)
    # blocks of one segment are contiguous and in order
    for seg, (seg_start, seg_stop) in enumerate(norm):
        bs = [b for b in plan if b.segment == seg]
        if seg_stop == seg_start:
            assert not bs
            continue
        assert bs[0].start == seg_start
        assert bs[-1].stop == seg_stop
        assert all(x.stop == y.start for x, y in itertools.pairwise(bs))


def test_plan_example_values():
    plan = plan_blocks([10], 4, halo=(1, 2))
    assert [(b.start, b.stop, b.read_start, b.read_stop) for b in plan] == [
        (0, 4, 0, 6),
        (4, 8, 3, 10),
        (8, 10, 7, 10),
    ]
    assert plan.n_read == 6 + 7 + 3
    assert plan[1].as_task() == (1, 0, 4, 8, 3, 10, 4, 0, 10)
    assert Block(*plan[1].as_task()) == plan[1]
    assert "segment 0, samples [4, 8)" in plan[1].describe()


def test_plan_align_to_source_chunks():
    plan = plan_blocks([(10, 50)], 25, align_to=8)
    assert plan.chunk_size == 24
    assert [(b.start, b.stop) for b in plan] == [(10, 24), (24, 48), (48, 50)]
    # a chunk size smaller than the source chunk becomes one source chunk
    assert plan_blocks(100, 3, align_to=16).chunk_size == 16


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"segments": 10, "chunk_size": 0}, "chunk_size"),
        ({"segments": 10, "chunk_size": 2, "halo": -1}, "halo"),
        ({"segments": 10, "chunk_size": 2, "halo": (1, 2, 3)}, "halo"),
        ({"segments": [(5, 2)], "chunk_size": 2}, "segments"),
        ({"segments": [-1], "chunk_size": 2}, "segments"),
        ({"segments": "abc", "chunk_size": 2}, "segments"),
        ({"segments": 10, "chunk_size": 2, "align_to": 0}, "align_to"),
    ],
)
def test_plan_rejects(kwargs, match):
    with pytest.raises(MemphysValueError, match=match):
        plan_blocks(**kwargs)


def test_normalize_halo():
    assert normalize_halo(0) == (0, 0)
    assert normalize_halo([2, 5]) == (2, 5)
    with pytest.raises(MemphysValueError):
        normalize_halo(1.5)


def test_chunk_size_precedence_and_units():
    assert chunk_size_from_job_kwargs(128, chunk_size=777) == 777
    assert chunk_size_from_job_kwargs(128, 30000.0, chunk_duration="1s") == 30000
    assert chunk_size_from_job_kwargs(128, 1000.0, chunk_duration=0.0105) == 10
    # chunk_memory is per worker and counts the operation's temporaries and the halos
    assert chunk_size_from_job_kwargs(100, chunk_memory=100_000) == 1000
    assert chunk_size_from_job_kwargs(100, chunk_memory=100_000, factor=4) == 250
    assert chunk_size_from_job_kwargs(100, chunk_memory=100_000, factor=4, halo=10) == 230
    # total_memory is shared by the workers
    assert chunk_size_from_job_kwargs(100, total_memory=100_000, n_jobs=4) == 250


def test_chunk_size_from_memory_budget():
    with config_context(memory_budget="64M"):
        one = chunk_size_from_job_kwargs(1024, factor=8)
        two = chunk_size_from_job_kwargs(1024, factor=8, n_jobs=2)
    assert one == 64 * 1024**2 // (1024 * 8)
    assert two == one // 2
    # derived sizes are capped (large blocks do not read faster)
    with config_context(memory_budget="4G"):
        assert chunk_size_from_job_kwargs(64) * 64 == DEFAULT_MAX_BLOCK_BYTES
        # an explicit memory is not capped
        assert chunk_size_from_job_kwargs(64, chunk_memory="1G") == 1024**3 // 64


def test_chunk_size_aligned():
    assert chunk_size_from_job_kwargs(10, chunk_size=1000, align_to=300) == 900
    assert chunk_size_from_job_kwargs(10, chunk_size=10, align_to=300) == 300


def test_chunk_size_errors():
    with pytest.raises(MemphysValueError, match="sampling rate"):
        chunk_size_from_job_kwargs(128, chunk_duration="1s")
    with pytest.raises(MemoryBudgetError, match="needs"):
        chunk_size_from_job_kwargs(1000, chunk_memory=5000, factor=2, halo=10)
    with pytest.raises(MemphysValueError, match="factor"):
        chunk_size_from_job_kwargs(10, factor=0)
