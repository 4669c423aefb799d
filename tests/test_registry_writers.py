"""``save()`` finds its writer by suffix in the registry that memphys.io fills."""

from __future__ import annotations

import numpy as np
import pytest

import memphys as nap
from memphys import registry as _writers
from memphys.errors import MemphysRuntimeError, MemphysTypeError


def test_io_registers_its_writers():
    assert _writers.writer_suffixes() == [".bin", ".dat", ".npy", ".npz", ".raw", ".zarr"]


def test_save_dispatches_on_the_suffix(tmp_path, monkeypatch):
    calls = []
    monkeypatch.setitem(_writers._WRITERS, ".abc", lambda obj, f, **kw: calls.append((f, kw)))
    tsd = nap.Tsd(t=[0.0, 1.0], d=[1.0, 2.0])
    tsd.save(tmp_path / "x.ABC", level=3)
    assert calls == [(tmp_path / "x.ABC", {"level": 3})]


def test_other_suffixes_go_to_npz_as_in_pynapple(tmp_path):
    ep = nap.IntervalSet(0, 1)
    ep.save(tmp_path / "ep.txt")
    assert (tmp_path / "ep.npz").exists()
    with pytest.raises(MemphysTypeError, match=r"unexpected keyword argument.*npz"):
        nap.Ts(t=[1.0, 2.0]).save(tmp_path / "t.npz", n_jobs=2)


def test_every_class_saves_through_the_registry(tmp_path, monkeypatch):
    seen = []
    monkeypatch.setitem(_writers._WRITERS, ".npz", lambda obj, f, **kw: seen.append(type(obj)))
    objs = [
        nap.Ts(t=[1.0, 2.0]),  # (two timestamps: one would have no span, with a warning)
        nap.Tsd(t=[1.0, 2.0], d=[2.0, 3.0]),
        nap.TsdFrame(t=[1.0, 2.0], d=np.ones((2, 2))),
        nap.TsdTensor(t=[1.0, 2.0], d=np.ones((2, 2, 2))),
        nap.TsGroup({0: nap.Ts(t=[1.0, 2.0])}),
        nap.IntervalSet(0, 1),
    ]
    for obj in objs:
        obj.save(tmp_path / "x")
    assert seen == [type(o) for o in objs]


def test_a_missing_writer_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(_writers, "_WRITERS", {})
    with pytest.raises(MemphysRuntimeError, match=r"no writer is registered.*import memphys"):
        nap.IntervalSet(0, 1).save(tmp_path / "ep.npz")


def test_register_writer_checks_the_suffix():
    with pytest.raises(MemphysTypeError, match="`suffix`"):
        _writers.register_writer("", lambda obj, f: None)
