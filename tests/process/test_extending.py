"""The worked example of ``docs/extending.md`` (a moving RMS with a halo), run as written.

The code block is extracted from the page, written as a module and imported; its results
are checked against numpy on random data, epochs, chunk sizes and every executor.
"""

from __future__ import annotations

import importlib
import pathlib
import re
import sys

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import memphys as nap

DOC = pathlib.Path(__file__).resolve().parents[2] / "docs" / "extending.md"


@pytest.fixture(scope="module")
def example(tmp_path_factory):
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S)
    module_code = next(b for b in blocks if "class MovingRMS(BlockOp)" in b)
    folder = tmp_path_factory.mktemp("extending")
    (folder / "moving_rms_example.py").write_text(module_code)
    sys.path.insert(0, str(folder))  # forked workers inherit it
    try:
        yield importlib.import_module("moving_rms_example")
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop("moving_rms_example", None)


def test_the_example_uses_public_names_only():
    code = next(b for b in re.findall(r"```python\n(.*?)```", DOC.read_text(), flags=re.S))
    for module, name in re.findall(r"from (memphys[\w.]*) import ([\w, ]+)", code):
        assert not any(p.startswith("_") for p in module.split("."))
        assert not any(n.strip().startswith("_") for n in name.split(","))


def reference(values: np.ndarray, t: np.ndarray, epochs: nap.IntervalSet, h: int):
    """The moving RMS of each epoch's rows with numpy, window clipped to the epoch."""
    times, out = [], []
    for s, e in epochs.values:
        keep = (t >= s) & (t <= e)
        x = values[keep].astype(np.float64)
        n = x.shape[0]
        r = np.empty(x.shape)
        for i in range(n):
            w = x[max(0, i - h) : min(n, i + h + 1)]
            r[i] = np.sqrt(np.mean(w * w, axis=0))
        times.append(t[keep])
        out.append(r)
    return np.concatenate(times), np.concatenate(out)


@st.composite
def cases(draw):
    n = draw(st.integers(20, 1500))
    shape = draw(st.sampled_from([(), (1,), (3,), (2, 2)]))
    seed = draw(st.integers(0, 2**16))
    k = draw(st.integers(1, 4))
    cuts = sorted(
        draw(st.lists(st.integers(0, n - 1), min_size=2 * k, max_size=2 * k, unique=True))
    )
    epochs = [(cuts[2 * i], cuts[2 * i + 1]) for i in range(k)]
    half = draw(st.integers(0, 40))
    chunk = draw(st.integers(1, 400))
    return n, shape, seed, epochs, half, chunk


def _series(n, shape, seed):
    rng = np.random.default_rng(seed)
    d = rng.integers(-500, 500, size=(n, *shape)).astype(np.int16)
    t = np.arange(n) / 100.0
    cls = nap.Tsd if d.ndim == 1 else nap.TsdFrame if d.ndim == 2 else nap.TsdTensor
    return cls(t=t, d=d), t, d


EXECUTORS = [
    {"pool_engine": "serial"},
    {"pool_engine": "thread", "n_jobs": 2},
    {"pool_engine": "process", "n_jobs": 2},
    {"pool_engine": "dask", "n_jobs": 2},
]


@pytest.mark.parametrize("job", EXECUTORS, ids=lambda j: j["pool_engine"])
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=cases())
def test_moving_rms_equals_numpy(example, job, case):
    n, shape, seed, epoch_rows, half, chunk = case
    x, t, d = _series(n, shape, seed)
    epochs = nap.IntervalSet(
        start=[t[a] for a, _ in epoch_rows], end=[t[b] + 0.001 for _, b in epoch_rows]
    )
    got = example.moving_rms(x, half, epochs, chunk_size=chunk, progress_bar=False, **job)
    ref_t, ref = reference(d, t, epochs, half)
    assert type(got) is type(x)
    np.testing.assert_array_equal(got.t, ref_t)
    np.testing.assert_allclose(got.values, ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_array_equal(got.time_support.values, epochs.values)


def test_moving_rms_default_blocks_memmap_and_out(example, tmp_path):
    d = np.random.default_rng(3).normal(size=(50_000, 4)).astype(np.float32)
    path = tmp_path / "x.dat"
    d.tofile(path)
    x = nap.TsdFrame(d=np.memmap(path, dtype=np.float32, mode="r", shape=d.shape), rate=1000.0)
    with nap.config_context(memory_budget="1M"):  # many blocks of default size
        got = example.moving_rms(x, 25, n_jobs=2, pool_engine="thread")
        written = example.moving_rms(x, 25, out=str(tmp_path / "rms.zarr"))
    _, ref = reference(d, x.t, x.time_support, 25)
    np.testing.assert_allclose(got.values, ref, rtol=1e-6)
    np.testing.assert_allclose(np.asarray(written.values[:]), ref, rtol=1e-6)
