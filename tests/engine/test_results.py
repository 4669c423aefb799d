"""Where results go without ``out=``: memory, a temporary file, or a clear error."""

from __future__ import annotations

import gc
import os

import numpy as np
import pytest

from memphys.config import config_context
from memphys.engine import FuncOp, ResultOnDiskWarning, available_memory, map_chunks, run_op
from memphys.engine import results as results_mod
from memphys.errors import MemoryBudgetError


def test_available_memory_reads_meminfo_and_env(monkeypatch):
    monkeypatch.delenv(results_mod.MEMORY_AVAILABLE_ENV, raising=False)
    real = available_memory()
    assert real > 0
    monkeypatch.setenv(results_mod.MEMORY_AVAILABLE_ENV, "64M")
    assert available_memory() == 64 * 2**20


def test_small_result_in_memory_even_over_the_budget():
    x = (np.arange(40_000) % 1000).astype(np.int16).reshape(-1, 4)
    with config_context(memory_budget=10_000):
        out = run_op(FuncOp(np.negative, dtype=np.float64), x, chunk_size=1000)
    assert type(out) is np.ndarray
    assert np.array_equal(out, -x.astype(np.float64))


def test_large_result_goes_to_a_temporary_file_removed_with_it(monkeypatch):
    x = (np.arange(40_000) % 1000).astype(np.int16).reshape(-1, 4)
    monkeypatch.setenv(results_mod.MEMORY_AVAILABLE_ENV, "100000")  # result is 80 kB
    with config_context(memory_budget=10_000), pytest.warns(ResultOnDiskWarning, match="out="):
        out = map_chunks(lambda d: d * 2.0, x, chunk_size=1000)
    assert isinstance(out, np.memmap)
    assert np.array_equal(np.asarray(out), x * 2.0)
    folder = os.path.dirname(out.filename)
    assert os.path.exists(folder)
    view = out[10:20]
    del out
    gc.collect()
    assert os.path.exists(folder)  # a view keeps it
    assert np.array_equal(np.asarray(view), x[10:20] * 2.0)
    del view
    gc.collect()
    assert not os.path.exists(folder)


def test_no_room_anywhere_is_a_clear_error(monkeypatch):
    x = np.zeros((10_000, 4))
    monkeypatch.setenv(results_mod.MEMORY_AVAILABLE_ENV, "1000")

    class Usage:
        free = 10

    monkeypatch.setattr(results_mod.shutil, "disk_usage", lambda path: Usage())
    with pytest.raises(MemoryBudgetError, match="fits neither") as info:
        map_chunks(np.abs, x, chunk_size=1000)
    assert "`out=`" in str(info.value)
    assert isinstance(info.value, MemoryError)
