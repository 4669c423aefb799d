"""Zarr stores: round trips, codecs, integer shrinking, reports, crash safety, memory."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numcodecs
import numpy as np
import pandas as pd
import pytest
import zarr

import memphys as nap
from memphys.engine.sinks import COMPLETE_ATTR
from memphys.errors import (
    CompletenessWarning,
    FileFormatError,
    IncompleteWriteError,
    MemphysFileNotFoundError,
    MemphysTypeError,
    MemphysValueError,
)
from memphys.io.convert import convert
from memphys.io.zarr.store import (
    SaveReport,
    load_zarr,
    resolve_codecs,
    save_zarr,
    smallest_integer_dtype,
)

ROOT = Path(__file__).resolve().parents[3]
BENCH_DIR = ROOT / "benchmarks"
DATA = ROOT.parent / "shared" / "data"

DTYPES = [
    "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
    "float16", "float32", "float64", "bool", "complex64", "complex128", ">i2", ">f8",
]  # fmt: skip


def sample(dtype: str, shape: tuple[int, ...], seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    dt = np.dtype(dtype)
    n = int(np.prod(shape))
    if dt.kind == "b":
        x = rng.integers(0, 2, n).astype(bool)
    elif dt.kind in "iu":
        info = np.iinfo(dt)
        x = rng.integers(info.min, info.max, n, dtype=dt.newbyteorder("="), endpoint=True)
    elif dt.kind == "c":
        x = rng.normal(size=n) + 1j * rng.normal(size=n)
    else:
        x = rng.normal(size=n) * 1000
    return x.astype(dt).reshape(shape)


def assert_same(a, b):
    assert type(a) is type(b)
    np.testing.assert_array_equal(a.t, b.t)
    np.testing.assert_array_equal(a.time_support.values, b.time_support.values)
    if hasattr(a, "values") and not isinstance(a, nap.IntervalSet):
        np.testing.assert_array_equal(np.asarray(a.values[:]), np.asarray(b.values[:]))
    if isinstance(a, nap.TsdFrame):
        assert a.columns.tolist() == b.columns.tolist()
        pd.testing.assert_frame_equal(a.metadata, b.metadata, check_dtype=False)


# -------------------------------------------------------------------------- round trips
@pytest.mark.parametrize("dtype", DTYPES)
def test_round_trip_every_dtype(tmp_path, dtype):
    x = nap.TsdFrame(t=None, d=sample(dtype, (1000, 3)), rate=250.0, start=1.5)
    x.save(tmp_path / "x.zarr", n_jobs=2, pool_engine="thread", chunk_size=128)
    y = nap.load_file(tmp_path / "x.zarr")
    assert_same(x, y)
    assert isinstance(y.values, zarr.Array)  # lazy: load_array=False semantics
    assert y.values.dtype == np.dtype(dtype).newbyteorder("=")
    assert y.time_index.is_regular
    z = nap.load_file(tmp_path / "x.zarr", lazy_loading=False)
    assert isinstance(z.values, np.ndarray)
    np.testing.assert_array_equal(z.values, x.values)


def objects():
    rng = np.random.default_rng(1)
    t = np.sort(rng.uniform(0, 100, 500))
    ep = nap.IntervalSet(start=[0, 30, 70], end=[20, 50, 100])
    return {
        "tsd_regular": nap.Tsd(t=None, d=rng.normal(size=2000), rate=20.0),
        "tsd_explicit_multi_epoch": nap.Tsd(t=t, d=rng.normal(size=500), time_support=ep),
        "frame_str_columns_metadata": nap.TsdFrame(
            t=t,
            d=rng.integers(-5, 5, (500, 3)).astype("int32"),
            columns=["ca1", "ec3", "dg"],
            metadata={
                "group": [0, 1, 1],
                "depth": [10.5, np.nan, -3.0],
                "region": ["a", "b", "c"],
                "ok": [True, False, True],
            },
        ),
        "frame_int_columns": nap.TsdFrame(
            t=None, d=rng.normal(size=(100, 2)), rate=3.0, columns=[7, 3]
        ),
        "tensor": nap.TsdTensor(t=t, d=rng.normal(size=(500, 2, 3)).astype("float32")),
        "ts_explicit": nap.Ts(t=t, time_support=ep),
        "ts_regular": nap.Ts(t=np.arange(100) / 10.0),
        "empty_tsd": nap.Tsd(t=np.zeros(0), d=np.zeros(0)),
    }


@pytest.mark.parametrize("name", list(objects()))
@pytest.mark.parametrize("engine", ["serial", "process"])
def test_round_trip_every_object(tmp_path, name, engine):
    x = objects()[name]
    x.save(tmp_path / "x.zarr", n_jobs=2, pool_engine=engine, chunk_size=64)
    y = nap.load_file(tmp_path / "x.zarr")
    assert_same(x, y)
    ep = nap.IntervalSet(start=1.0, end=4.5)
    assert_same(x.restrict(ep), y.restrict(ep))


def test_interval_set_round_trip(tmp_path):
    ep = nap.IntervalSet(start=[0, 10], end=[5, 12], metadata={"label": ["a", "b"], "n": [1, 2]})
    save_zarr(ep, tmp_path / "ep.zarr")
    back = nap.load_file(tmp_path / "ep.zarr")
    assert isinstance(back, nap.IntervalSet)
    np.testing.assert_array_equal(back.values, ep.values)
    assert back.label.tolist() == ["a", "b"]
    assert back.n.tolist() == [1, 2]


def test_store_layout(tmp_path):
    x = nap.TsdFrame(t=None, d=np.zeros((10, 2), "int16"), rate=5.0, columns=["a", "b"])
    x.save(tmp_path / "x.zarr", chunk_size=4)
    g = zarr.open_group(str(tmp_path / "x.zarr"), mode="r")
    assert g.metadata.zarr_format == 3
    attrs = dict(g.attrs)
    assert attrs["type"] == "TsdFrame"
    assert attrs[COMPLETE_ATTR] is True
    assert attrs["memphys_format_version"] == 1
    assert attrs["time_index"]["kind"] == "regular"
    assert attrs["time_index"]["rate"] == 5.0
    assert attrs["columns"] == ["a", "b"]
    assert "t" not in g  # a regular index costs no array
    assert g["d"].chunks == (4, 2)
    comp = g["d"].compressors[0]
    assert (comp.cname.value, comp.clevel, comp.shuffle.value) == ("zstd", 5, "bitshuffle")


def test_chunks_follow_engine_blocks(tmp_path):
    x = nap.Tsd(t=None, d=np.arange(10_000.0), rate=1.0)
    x.save(tmp_path / "x.zarr", chunk_size=1000, n_jobs=2, pool_engine="thread")
    assert zarr.open_array(str(tmp_path / "x.zarr" / "d")).chunks == (1000,)


# ------------------------------------------------------------------------------- codecs
@pytest.mark.parametrize(
    ("compressor", "filters"),
    [
        ("default", None),
        ("lz4", None),
        ("zlib", None),
        ("lzma", None),
        ("gzip", None),
        ("bz2", None),
        (None, None),
        (numcodecs.LZMA(), [numcodecs.Delta(dtype="<i2")]),
        (numcodecs.Zstd(level=3), None),
        (numcodecs.Blosc(cname="lz4", shuffle=numcodecs.Blosc.BITSHUFFLE), None),
        (numcodecs.GZip(), numcodecs.Delta(dtype="<i2")),
    ],
)
def test_codecs_round_trip(tmp_path, compressor, filters):
    wave = 1000 * np.sin(np.arange(20_000) / 50.0)
    d = (wave[:, None] + np.arange(4)).astype("int16")  # smooth: every codec compresses it
    x = nap.TsdFrame(t=None, d=d, rate=1e3)
    r = x.save(
        tmp_path / "x.zarr", compressor=compressor, filters=filters, report=True, chunk_size=4999
    )
    y = nap.load_file(tmp_path / "x.zarr", lazy_loading=False)
    np.testing.assert_array_equal(y.values, d)
    assert isinstance(r, SaveReport)
    if compressor is not None:
        assert r.ratio > 1.2, r


def test_bad_codecs():
    with pytest.raises(MemphysValueError, match="allowed names"):
        resolve_codecs("snappy-ish")
    with pytest.raises(MemphysTypeError, match="codec"):
        resolve_codecs(3)


# ------------------------------------------------------------ shrinking and reports
def test_smallest_integer_dtype():
    assert smallest_integer_dtype(-128, 127) == np.int8
    assert smallest_integer_dtype(-129, 0) == np.int16
    assert smallest_integer_dtype(0, 255, "int64") == np.uint8
    assert smallest_integer_dtype(0, 255, "uint16") == np.uint8
    assert smallest_integer_dtype(-1, 2**31) == np.int64
    assert smallest_integer_dtype(0, 2**63, "uint64") == np.uint64


def test_shrink_integers(tmp_path):
    d = np.random.default_rng(0).integers(-1000, 1000, (3000, 2)).astype("int64")
    x = nap.TsdFrame(t=None, d=d, rate=1.0)
    r = x.save(tmp_path / "x.zarr", shrink_integers=True, report=True, n_jobs=2, chunk_size=500)
    assert r.stored_dtype == "int16"
    assert r.dtype == "int64"
    y = nap.load_file(tmp_path / "x.zarr")
    assert y.values.dtype == np.int16
    np.testing.assert_array_equal(y.values[:], d)
    assert zarr.open_group(str(tmp_path / "x.zarr")).attrs["source_dtype"] == "<i8"
    f = nap.TsdFrame(t=None, d=d.astype(float), rate=1.0)  # floats are never shrunk
    assert f.save(tmp_path / "f.zarr", shrink_integers=True, report=True).stored_dtype == "float64"


def test_report_fields(tmp_path):
    x = nap.Tsd(t=None, d=np.zeros(100_000, "int16"), rate=1.0)
    r = save_zarr(x, tmp_path / "x.zarr", report=True)
    assert r.nbytes == 200_000
    assert r.ratio > 50
    assert r.mb_per_s > 0
    assert "ratio" in str(r)
    assert json.dumps(r.as_dict())
    assert save_zarr(x, tmp_path / "y.zarr") is None


# ----------------------------------------------------------------- readers of any store
def test_format2_and_bare_arrays(tmp_path):
    z = zarr.create_array(store=str(tmp_path / "v2.zarr"), shape=(6, 2), dtype="i2", zarr_format=2)
    z[:] = np.arange(12).reshape(6, 2)
    # stores of other tools have no completeness record: they open with a warning
    with pytest.warns(CompletenessWarning, match="cannot be checked"):
        arr = nap.load_file(tmp_path / "v2.zarr")
    assert isinstance(arr, zarr.Array)
    assert arr.metadata.zarr_format == 2
    with pytest.warns(CompletenessWarning):
        f = nap.load_file(tmp_path / "v2.zarr", rate=2.0, columns=["x", "y"])
    assert isinstance(f, nap.TsdFrame)
    assert f.columns.tolist() == ["x", "y"]
    np.testing.assert_array_equal(f.values[:], np.arange(12).reshape(6, 2))
    g = zarr.open_group(str(tmp_path / "g.zarr"), mode="w", zarr_format=2)
    g.create_array("a", shape=(3,), dtype="f4")
    with pytest.warns(CompletenessWarning):
        assert isinstance(nap.load_file(tmp_path / "g.zarr"), zarr.Group)
    with pytest.raises(MemphysValueError, match="group"), pytest.warns(CompletenessWarning):
        nap.load_file(tmp_path / "g.zarr", rate=1.0)


def test_not_a_store_and_damaged_store(tmp_path):
    (tmp_path / "empty.zarr").mkdir()
    with pytest.raises(FileFormatError, match="zarr store"):
        nap.load_file(tmp_path / "empty.zarr")
    x = nap.Tsd(t=None, d=np.arange(10.0), rate=1.0)
    x.save(tmp_path / "x.zarr")
    import shutil

    shutil.rmtree(tmp_path / "x.zarr" / "d")
    with pytest.raises(FileFormatError, match="missing"):
        nap.load_file(tmp_path / "x.zarr")
    x.save(tmp_path / "y.zarr")
    with pytest.raises(MemphysValueError, match="own time index"):
        nap.load_file(tmp_path / "y.zarr", rate=3.0)


def test_unsupported_objects_and_paths(tmp_path):
    with pytest.raises(MemphysTypeError, match="TsGroup or IntervalSet, but got dict"):
        save_zarr({0: nap.Ts(t=[1.0, 2.0])}, tmp_path / "g.zarr")
    with pytest.raises(MemphysFileNotFoundError, match="does not exist"):
        save_zarr(nap.Ts(t=[1.0, 2.0]), tmp_path / "no" / "x.zarr")
    nap.Ts(t=[1.0, 2.0]).save(tmp_path / "x.zarr")
    with pytest.raises(MemphysValueError, match="already exists"):
        save_zarr(nap.Ts(t=[2.0, 3.0]), tmp_path / "x.zarr", overwrite=False)
    with pytest.raises(MemphysTypeError, match="unexpected keyword"):
        nap.Ts(t=[1.0, 2.0]).save(tmp_path / "x.npz", n_jobs=2)


# ------------------------------------------------------------------------- crash safety
def test_store_marked_incomplete_is_refused(tmp_path):
    x = nap.Tsd(t=None, d=np.arange(10.0), rate=1.0)
    x.save(tmp_path / "x.zarr")
    zarr.open_group(str(tmp_path / "x.zarr"), mode="r+").attrs[COMPLETE_ATTR] = False
    with pytest.raises(IncompleteWriteError, match=r"x\.zarr"):
        nap.load_file(tmp_path / "x.zarr")


def test_failed_save_leaves_no_store(tmp_path, monkeypatch):
    from memphys.io import _stream

    def boom(self, data, block):
        if block.start >= 50:
            raise OSError("disk full")
        return data

    monkeypatch.setattr(_stream.CastBlock, "__call__", boom)
    with pytest.raises(Exception, match="disk full"):
        nap.Tsd(t=None, d=np.arange(100.0), rate=1.0).save(tmp_path / "x.zarr", chunk_size=10)
    assert list(tmp_path.iterdir()) == []


KILL_SCRIPT = textwrap.dedent(
    """
    import sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import make_raw_file
    import memphys as nap
    from memphys.io import _stream

    raw, dest, mode = sys.argv[1], sys.argv[2], sys.argv[3]
    shape = make_raw_file(raw, 200 * 2**20, n_channels=16)
    original = _stream.CastBlock.__call__

    def slow(self, data, block):  # throttle: ~0.05 s per 1 MB block
        time.sleep(0.05)
        return original(self, data, block)

    _stream.CastBlock.__call__ = slow
    print("start", flush=True)
    if mode == "save":
        x = nap.load_binary_file(raw, n_channels=16, sampling_rate=30000.0)
        x.save(dest, chunk_size=32768, n_jobs=1)
    else:
        from memphys.io.convert import convert
        convert(raw, dest, load_kwargs={{"n_channels": 16, "sampling_rate": 30000.0}},
                chunk_size=32768, n_jobs=1, progress_bar=False)
    print("done", flush=True)
    """
)


def _kill_mid_write(tmp_path: Path, mode: str) -> Path:
    script = tmp_path / "kill.py"
    script.write_text(KILL_SCRIPT.format(bench=str(BENCH_DIR)))
    dest = tmp_path / "out.zarr"
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path / "raw.dat"), str(dest), mode],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    chunks = Path(f"{dest}.partial") / "d" / "c"
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            if chunks.is_dir() and len(list(chunks.iterdir())) >= 3:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.02)
        else:
            pytest.fail("the write never started")
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.communicate()
    assert proc.returncode == -signal.SIGKILL
    return dest


@pytest.mark.parametrize("mode", ["save", "convert"])
def test_sigkill_mid_write_leaves_no_complete_store(tmp_path, mode):
    dest = _kill_mid_write(tmp_path, mode)
    assert not dest.exists()
    assert Path(f"{dest}.partial").exists()
    with pytest.raises(IncompleteWriteError, match=r"out\.zarr"):
        nap.load_file(dest)
    with pytest.raises(IncompleteWriteError):
        load_zarr(dest)
    # the leftover is never accepted under its own name either
    with pytest.raises(IncompleteWriteError):
        load_zarr(Path(f"{dest}.partial"))
    # a new save replaces the leftover
    nap.Tsd(t=None, d=np.arange(5.0), rate=1.0).save(dest)
    assert nap.load_file(dest).shape == (5,)
    assert not Path(f"{dest}.partial").exists()


def test_sigkill_during_overwrite_keeps_the_old_store(tmp_path):
    dest = tmp_path / "out.zarr"
    old = nap.Tsd(t=None, d=np.arange(5.0), rate=1.0)
    old.save(dest)
    _kill_mid_write(tmp_path, "save")
    assert_same(old, nap.load_file(dest))


# ------------------------------------------------------------------------------ convert
def test_convert_raw_to_zarr_and_back(tmp_path):
    d = np.random.default_rng(0).integers(-300, 300, (20_000, 8)).astype("int16")
    d.tofile(tmp_path / "rec.dat")
    kw = {"n_channels": 8, "sampling_rate": 2e4}
    r = convert(tmp_path / "rec.dat", tmp_path / "rec.zarr", load_kwargs=kw, n_jobs=2,
                progress_bar=False, chunk_size=4096)  # fmt: skip
    assert r.shape == (20_000, 8)
    assert r.ratio > 1.0
    back = nap.load_file(tmp_path / "rec.zarr")
    np.testing.assert_array_equal(back.values[:], d)
    assert back.rate == 2e4
    r2 = convert(tmp_path / "rec.zarr", tmp_path / "back.dat", progress_bar=False, n_jobs=2)
    np.testing.assert_array_equal(np.fromfile(r2.path, "int16").reshape(-1, 8), d)
    r3 = convert(tmp_path / "rec.zarr", tmp_path / "back.npy", progress_bar=False)
    np.testing.assert_array_equal(np.load(r3.path), d)
    convert(back, tmp_path / "back.npz", progress_bar=False)
    np.testing.assert_array_equal(nap.load_file(tmp_path / "back.npz").values, d)
    np.save(tmp_path / "a.npy", d)
    with pytest.raises(MemphysValueError, match="without times"):
        convert(tmp_path / "a.npy", tmp_path / "a.zarr")
    with pytest.raises(MemphysValueError, match="dst"):
        convert(back, tmp_path / "x.h5")


@pytest.mark.skipif(not DATA.is_dir(), reason=f"shared test data not found at {DATA}")
@pytest.mark.realdata
def test_convert_neuroscope_lfp_with_xml(tmp_path):
    src = DATA / "neuroscope_YutaMouse42-151117_stub" / "YutaMouse42-151117.lfp"
    convert(src, tmp_path / "lfp.zarr", progress_bar=False)
    a, b = nap.load_binary_file(src), nap.load_file(tmp_path / "lfp.zarr")
    assert_same(a, b)
    assert b.group.tolist() == a.group.tolist()


# ------------------------------------------------------------------------------- memory
MEM_SCRIPT = textwrap.dedent(
    """
    import json, os, sys, time
    sys.path.insert(0, {bench!r})
    from _common import RssAnonSampler, make_raw_file
    import memphys as nap

    raw, dest = sys.argv[1], sys.argv[2]
    shape = make_raw_file(raw, 2**30, n_channels=16)
    x = nap.load_binary_file(raw, n_channels=16, sampling_rate=30000.0)
    with RssAnonSampler(interval=0.01) as sampler:
        r = x.save(dest, n_jobs=2, pool_engine="process", report=True, progress_bar=False)
    print(json.dumps({{
        "peak_main": sampler.peak_self, "peak_workers": list(sampler.peak_children.values()),
        "ratio": r.ratio, "mb_per_s": r.mb_per_s, "seconds": r.seconds, "rows": shape[0],
    }}))
    """
)


@pytest.mark.slow
def test_saving_1gb_memmap_to_zarr_stays_under_300mb(tmp_path):
    script = tmp_path / "mem.py"
    script.write_text(MEM_SCRIPT.format(bench=str(BENCH_DIR)))
    proc = subprocess.run(
        [sys.executable, str(script), str(tmp_path / "raw.dat"), str(tmp_path / "x.zarr")],
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert proc.returncode == 0, proc.stderr
    rep = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\nsave 1 GiB int16 -> zarr (zstd5+bitshuffle, n_jobs=2): ratio {rep['ratio']:.2f}, "
        f"{rep['mb_per_s']:.0f} MB/s; peak RssAnon main {rep['peak_main'] / 2**20:.0f} MiB, "
        f"workers {[round(v / 2**20) for v in rep['peak_workers']]} MiB"
    )
    limit = 300 * 2**20
    assert len(rep["peak_workers"]) >= 2, rep
    assert 0 < rep["peak_main"] < limit, rep
    assert all(0 < v < limit for v in rep["peak_workers"]), rep
    y = nap.load_file(tmp_path / "x.zarr")
    assert y.shape == (rep["rows"], 16)
    x = nap.load_binary_file(tmp_path / "raw.dat", n_channels=16, sampling_rate=30000.0)
    for s in (0, rep["rows"] // 2, rep["rows"] - 1000):  # spot checks
        np.testing.assert_array_equal(y.values[s : s + 1000], x.values[s : s + 1000])


def test_save_by_suffix_for_interval_sets_and_groups(tmp_path):
    ep = nap.IntervalSet(start=[0.0, 10.0], end=[5.0, 12.0], metadata={"label": ["a", "b"]})
    ep.save(tmp_path / "ep.zarr")
    back = nap.load_file(tmp_path / "ep.zarr")
    np.testing.assert_array_equal(back.values, ep.values)
    assert list(back.label) == ["a", "b"]
    assert not (tmp_path / "ep.npz").exists()
    group = nap.TsGroup({1: nap.Ts(t=[1.0, 2.0])})
    group.save(tmp_path / "units.zarr")  # a TsGroup store (tests/io/zarr/test_tsgroup.py)
    assert not (tmp_path / "units.npz").exists()
