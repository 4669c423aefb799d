"""NPZ save/load: pynapple's keys and dtypes, round trips, streaming, crash safety, bad files."""

from __future__ import annotations

import json
import os
import pickle
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import memphys as nap
from memphys.config import config_context
from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysRuntimeError,
    MemphysTypeError,
)
from memphys.io.npz import write as _npz  # the module
from memphys.io.npz.layout import Blocks, npz_members
from memphys.io.npz.read import NPZFile, load_npz
from memphys.io.npz.write import save_npz, write_npz


def _has(name: str) -> bool:
    try:
        return getattr(nap, name, None) is not None
    except ImportError:
        return False


needs_group = pytest.mark.skipif(not _has("TsGroup"), reason="TsGroup has not landed yet")


def _open_fds_to(path: Path) -> list[str]:
    """Descriptors of this process that point at ``path`` (Linux)."""
    fd_dir = Path("/proc/self/fd")
    out = []
    for fd in fd_dir.iterdir():
        try:
            if os.readlink(fd) == str(path.resolve()):
                out.append(fd.name)
        except OSError:
            continue
    return out


# ---------------------------------------------------------------------- objects
def _objects() -> dict[str, object]:
    rng = np.random.default_rng(0)
    two = nap.IntervalSet(start=[0.0, 50.0], end=[40.0, 99.0])
    objs: dict[str, object] = {
        "ts": nap.Ts(t=np.sort(rng.random(10) * 100)),
        "tsd_int": nap.Tsd(t=np.arange(100), d=np.arange(100)),
        "tsd_float32_support": nap.Tsd(
            t=np.arange(100.0), d=rng.random(100).astype(np.float32), time_support=two
        ),
        "tsd_ms": nap.Tsd(t=np.arange(0, 5000, 500), d=np.arange(10.0), time_units="ms"),
        "tsd_regular": nap.Tsd(d=np.arange(50.0), rate=10.0, start=2.0),
        "tsdframe": nap.TsdFrame(t=np.arange(20), d=rng.random((20, 3))),
        "tsdframe_cols_meta": nap.TsdFrame(
            t=np.arange(20),
            d=rng.random((20, 3)),
            columns=["a", "b", "c"],
            metadata={"area": ["ca1", "ca1", "ec"], "depth": [1.0, 2.0, 3.0]},
        ),
        "tsdframe_int_cols": nap.TsdFrame(
            t=np.arange(20), d=rng.integers(0, 9, (20, 2)), columns=[3, 7]
        ),
        "tsdtensor": nap.TsdTensor(t=np.arange(10), d=rng.random((10, 2, 3))),
        "tsgroup": nap.TsGroup(
            {
                0: nap.Ts(t=np.arange(0, 200)),
                1: nap.Ts(t=np.arange(0, 200, 0.5)),
                2: nap.Ts(t=np.arange(0, 300, 0.2)),
            },
            metadata={"minfo": [1, 2, 3]},
        ),
        "tsdgroup": nap.TsGroup(
            {
                4: nap.Tsd(t=np.arange(0, 200), d=rng.random(200)),
                7: nap.Tsd(t=np.arange(0, 200, 0.5), d=np.arange(0, 200, 0.5) + 1),
                9: nap.Ts(t=np.arange(0, 300, 0.2)),
            }
        ),
        "iset": nap.IntervalSet(start=[0.0, 5.0], end=[1.0, 6.0]),
        "iset_meta": nap.IntervalSet(
            start=[0.0, 5.0], end=[1.0, 6.0], metadata={"label": ["a", "b"], "n": [1, 2]}
        ),
    }
    return objs


OBJECTS = _objects()


def _assert_same(a: object, b: object) -> None:
    assert type(a) is type(b)
    if isinstance(a, nap.IntervalSet):
        np.testing.assert_array_equal(a.values, b.values)
    elif isinstance(a, nap.TsGroup):
        assert list(a.keys()) == list(b.keys())
        np.testing.assert_array_equal(a.time_support.values, b.time_support.values)
        keys = list(a.keys())
        mixed = any(hasattr(a[k], "values") for k in keys)
        for k in keys:
            np.testing.assert_array_equal(a[k].t, b[k].t)
            if hasattr(a[k], "values"):
                np.testing.assert_array_equal(a[k].values, b[k].values)
            elif mixed:  # pynapple's layout: a Ts in a group of Tsd comes back as NaN values
                assert isinstance(b[k], nap.Tsd)
                assert np.isnan(b[k].values).all()
            else:
                assert type(b[k]) is type(a[k])
    else:
        np.testing.assert_array_equal(a.t, b.t)
        np.testing.assert_array_equal(a.time_support.values, b.time_support.values)
        if hasattr(a, "values"):
            np.testing.assert_array_equal(np.asarray(a.values), np.asarray(b.values))
            assert np.asarray(a.values).dtype == np.asarray(b.values).dtype
        if hasattr(a, "columns"):
            assert list(a.columns) == list(b.columns)
    if hasattr(a, "metadata_columns") and a.metadata_columns:
        pd.testing.assert_frame_equal(a.metadata, b.metadata)


@pytest.mark.parametrize("name", list(OBJECTS))
def test_round_trip(tmp_path, name):
    obj = OBJECTS[name]
    save_npz(obj, tmp_path / name)
    back = nap.load_file(tmp_path / f"{name}.npz")
    _assert_same(obj, back)
    assert not [p for p in tmp_path.iterdir() if p.suffix == ".tmp"]


def _defines_save(cls: type) -> bool:
    """True once the class has its own ``save`` (not numpy's, reached through __getattr__)."""
    return any("save" in vars(c) for c in cls.__mro__ if c is not object)


@pytest.mark.parametrize("name", list(OBJECTS))
def test_save_method_writes_the_same_file_as_save_npz(tmp_path, name):
    obj = OBJECTS[name]
    if not _defines_save(type(obj)):
        pytest.skip(f"{type(obj).__name__}.save is not wired to save_npz yet")
    obj.save(tmp_path / "a")
    save_npz(obj, tmp_path / "b")
    with zipfile.ZipFile(tmp_path / "a.npz") as a, zipfile.ZipFile(tmp_path / "b.npz") as b:
        assert a.namelist() == b.namelist()
        for member in a.namelist():
            assert a.read(member) == b.read(member)


@pytest.mark.parametrize("name", list(OBJECTS))
def test_save_npz_writes_numpy_readable_file_with_pynapple_keys(tmp_path, name):
    obj = OBJECTS[name]
    save_npz(obj, tmp_path / name)
    kind = NPZFile(tmp_path / f"{name}.npz").type
    expected = {
        "Ts": ["t", "start", "end", "type"],
        "Tsd": ["t", "d", "start", "end", "type"],
        "TsdTensor": ["t", "d", "start", "end", "type"],
        "TsdFrame": ["t", "d", "start", "end", "columns", "type", "_metadata"],
        "TsGroup": ["type", "_metadata", "t", "index", "d", "keys", "start", "end"],
        "IntervalSet": ["start", "end", "type", "_metadata"],
    }[str(kind)]
    if name == "tsgroup":  # a group of Ts: no data
        expected = [k for k in expected if k != "d"]
    with np.load(tmp_path / f"{name}.npz", allow_pickle=True) as f:
        assert list(f.keys()) == expected
        assert f["type"].dtype == np.dtype(f"<U{len(kind)}")
        assert f["type"].tolist() == [kind]
        assert f["start"].dtype == f["end"].dtype == np.float64
        if "t" in f:
            assert f["t"].dtype == np.float64
            if not isinstance(obj, nap.TsGroup):
                np.testing.assert_array_equal(f["t"], obj.t)
        if "d" in f and not isinstance(obj, nap.TsGroup):
            assert f["d"].dtype == np.asarray(obj.values).dtype
        if "_metadata" in f:
            meta = f["_metadata"].item()
            assert type(meta) is dict
            assert list(meta) == [c for c in obj.metadata_columns if c != "rate"]
            for v in meta.values():
                assert type(v) is np.ndarray


def _pynapple_layout(obj) -> dict[str, np.ndarray]:
    """What pynapple 0.11.4's ``save`` passes to ``np.savez`` (from reading its code)."""
    if isinstance(obj, nap.IntervalSet):
        return {
            "start": obj.values[:, 0],
            "end": obj.values[:, 1],
            "type": np.array(["IntervalSet"]),
        }
    if isinstance(obj, nap.TsGroup):
        keys = list(obj.keys())
        times = np.hstack([obj[k].t for k in keys])
        index = np.hstack([np.full(len(obj[k]), k, dtype=np.int64) for k in keys])
        data = np.full(len(times), np.nan)
        n = 0
        for k in keys:
            if hasattr(obj[k], "values"):
                data[n : n + len(obj[k])] = obj[k].values
            n += len(obj[k])
        idx = np.argsort(times)
        out = {"type": np.array(["TsGroup"], dtype=np.str_), "t": times[idx], "index": index[idx]}
        if not np.all(np.isnan(data)):
            out["d"] = data[idx]
        out["keys"] = np.array(keys)
        out["start"], out["end"] = obj.time_support.start, obj.time_support.end
        return out
    out = {"t": np.asarray(obj.t, dtype=np.float64)}
    if hasattr(obj, "values"):
        out["d"] = np.asarray(obj.values)
    out["start"], out["end"] = obj.time_support.start, obj.time_support.end
    if type(obj).__name__ == "TsdFrame":
        cols = np.asarray(obj.columns)
        out["columns"] = cols.astype(str) if cols.dtype == object else cols
    out["type"] = np.array([type(obj).__name__], dtype=np.str_)
    return out


@pytest.mark.parametrize("name", list(OBJECTS))
def test_members_are_byte_identical_to_np_savez(tmp_path, name):
    """Every array member (header and data) has the bytes ``np.savez`` gives pynapple."""
    obj = OBJECTS[name]
    save_npz(obj, tmp_path / "ours")
    np.savez(tmp_path / "theirs.npz", **_pynapple_layout(obj))
    with (
        zipfile.ZipFile(tmp_path / "ours.npz") as ours,
        zipfile.ZipFile(tmp_path / "theirs.npz") as theirs,
    ):
        assert all(i.compress_type == zipfile.ZIP_STORED for i in ours.infolist())
        for member in theirs.namelist():
            assert ours.read(member) == theirs.read(member), member


def test_metadata_member_is_a_plain_pickled_dict(tmp_path):
    ep = OBJECTS["iset_meta"]
    save_npz(ep, tmp_path / "ep")
    with zipfile.ZipFile(tmp_path / "ep.npz") as zf, zf.open("_metadata.npy") as f:
        arr = np.lib.format.read_array(f, allow_pickle=True)
    assert arr.shape == ()
    assert arr.dtype == object
    meta = arr.item()
    assert set(meta) == {"label", "n"}
    # unpickling needs only numpy: the dict holds plain numpy arrays
    assert "memphys" not in pickle.dumps(meta).decode("latin1")


# ------------------------------------------------------------------- TsGroup
@needs_group
def test_tsgroup_layout_and_round_trip(tmp_path):
    group = nap.TsGroup(
        {
            0: nap.Tsd(t=np.arange(0, 20.0), d=np.arange(20.0)),
            3: nap.Tsd(t=np.arange(0, 20, 0.5), d=np.arange(40.0) + 100),
        },
        metadata={"meta": np.array([5, 6]), "label": np.array(["a", "b"])},
    )
    save_npz(group, tmp_path / "g")
    with np.load(tmp_path / "g.npz", allow_pickle=True) as f:
        assert list(f.keys()) == ["type", "_metadata", "t", "index", "d", "keys", "start", "end"]
        assert f["index"].dtype == np.int64
        assert f["d"].dtype == np.float64
        assert np.all(np.diff(f["t"]) >= 0)
        np.testing.assert_array_equal(f["keys"], [0, 3])
        assert set(f["_metadata"].item()) == {"meta", "label"}  # rate is not saved
    back = nap.load_file(tmp_path / "g.npz")
    assert list(back.keys()) == [0, 3]
    for k in (0, 3):
        np.testing.assert_array_equal(back[k].t, group[k].t)
        np.testing.assert_array_equal(back[k].values, group[k].values)
    pd.testing.assert_frame_equal(back.metadata, group.metadata)


@needs_group
def test_tsgroup_of_ts_has_no_d_and_old_files_load_extra_keys(tmp_path):
    group = nap.TsGroup({0: nap.Ts(t=np.arange(10.0)), 1: nap.Ts(t=np.arange(0, 10, 0.5))})
    save_npz(group, tmp_path / "g")
    raw = dict(np.load(tmp_path / "g.npz", allow_pickle=True))
    assert "d" not in raw
    raw.pop("_metadata")
    raw.pop("type")
    raw["tag"] = np.array([1.5, 2.5])
    np.savez(tmp_path / "old.npz", **raw)
    back = nap.load_file(tmp_path / "old.npz")
    assert isinstance(back, nap.TsGroup)
    np.testing.assert_array_equal(back.tag, [1.5, 2.5])


# ------------------------------------------------------------ old / foreign files
def test_old_files_without_type_are_recognised_from_their_keys(tmp_path):
    np.savez(tmp_path / "a.npz", t=np.arange(3.0), d=np.ones((3, 2)), start=[0.0], end=[2.0])
    np.savez(tmp_path / "b.npz", t=np.arange(3.0), d=np.ones(3), start=[0.0], end=[2.0])
    np.savez(tmp_path / "c.npz", t=np.arange(3.0), d=np.ones((3, 2, 2)), start=[0.0], end=[2.0])
    np.savez(tmp_path / "d.npz", t=np.arange(3.0), start=[0.0], end=[2.0])
    np.savez(tmp_path / "e.npz", start=[0.0], end=[2.0])
    types = [NPZFile(tmp_path / f"{c}.npz").type for c in "abcde"]
    assert types == ["TsdFrame", "Tsd", "TsdTensor", "Ts", "IntervalSet"]
    assert isinstance(nap.load_file(tmp_path / "a.npz"), nap.TsdFrame)
    assert isinstance(nap.load_file(tmp_path / "e.npz"), nap.IntervalSet)


def test_old_metadata_saved_from_a_dataframe(tmp_path):
    frame = nap.TsdFrame(t=np.arange(4), d=np.ones((4, 2)), columns=["x", "y"])
    save_npz(frame, tmp_path / "f")
    raw = dict(np.load(tmp_path / "f.npz", allow_pickle=True))
    raw["_metadata"] = pd.DataFrame({"area": ["a", "b"]}, index=["x", "y"]).to_dict()
    np.savez(tmp_path / "f.npz", **raw)
    back = nap.load_file(tmp_path / "f.npz")
    assert list(back.metadata["area"]) == ["a", "b"]


def test_foreign_npz_is_returned_as_numpy_npzfile(tmp_path):
    np.savez(tmp_path / "x.npz", a=np.arange(3), d=np.ones(2))  # "d" alone: not a Tsd
    f = NPZFile(tmp_path / "x.npz")
    assert f.type == "npz"
    assert isinstance(f.type, np.str_)
    with f.load() as arrays:
        assert isinstance(arrays, np.lib.npyio.NpzFile)
        np.testing.assert_array_equal(arrays["a"], [0, 1, 2])


def test_unknown_type_value_is_refused(tmp_path):
    # issue 11: a type that is none of pynapple's, over the keys of one, is not guessed
    np.savez(tmp_path / "x.npz", start=[0.0], end=[1.0], type=np.array(["Banana"]))
    with pytest.raises(FileFormatError, match=r"its 'type' is 'Banana', expected one of"):
        NPZFile(tmp_path / "x.npz")
    np.savez(tmp_path / "y.npz", t=[0.0], d=[1.0], start=[0.0], end=[1.0], type=["Bogus"])
    with pytest.raises(FileFormatError, match=r"y\.npz.*'Bogus'"):
        nap.load_file(tmp_path / "y.npz")
    # an archive of another tool with its own 'type' key stays numpy's NpzFile
    np.savez(tmp_path / "z.npz", image=np.zeros(3), type=np.array(["image"]))
    assert type(nap.load_file(tmp_path / "z.npz")).__name__ == "NpzFile"


# ------------------------------------------------------------------ bad files
def test_truncated_file_gets_a_clear_error_and_no_leaked_handle(tmp_path):
    path = tmp_path / "tsd.npz"
    save_npz(nap.Tsd(t=np.arange(1000.0), d=np.arange(1000.0)), path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    for call in (lambda: NPZFile(path), lambda: nap.load_file(path)):
        with pytest.raises(FileFormatError) as info:
            call()
        assert str(path) in str(info.value)
        assert "truncated or corrupt" in str(info.value)
        assert isinstance(info.value, ValueError)
    assert _open_fds_to(path) == []


@pytest.mark.parametrize("content", [b"", b"hello world, not a zip", b"\x93NUMPY\x01\x00"])
def test_not_a_zip_gets_a_clear_error(tmp_path, content):
    path = tmp_path / "x.npz"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=r"expected a \.npz \(zip\) archive") as info:
        nap.load_file(path)
    assert str(path) in str(info.value)
    assert _open_fds_to(path) == []


def test_corrupt_member_data_is_detected(tmp_path):
    path = tmp_path / "tsd.npz"
    save_npz(nap.Tsd(t=np.arange(1000.0), d=np.arange(1000.0)), path)
    raw = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("d.npy")
    pos = info.header_offset + 30 + len("d.npy") + 200 + 128
    raw[pos : pos + 8] = b"\xff" * 8  # inside d's data: the CRC no longer matches
    path.write_bytes(bytes(raw))
    assert NPZFile(path).type == "Tsd"
    with pytest.raises(FileFormatError, match="truncated or corrupt") as err:
        nap.load_file(path, lazy_loading=False)
    assert "d.npy" in str(err.value)
    assert _open_fds_to(path) == []


def test_missing_required_key_names_it(tmp_path):
    # the type says Tsd, but there is no "d"
    np.savez(tmp_path / "x.npz", t=np.arange(3.0), start=[0.0], type=np.array(["Tsd"]), end=[1])
    with pytest.raises(FileFormatError, match="'d' is missing"):
        nap.load_file(tmp_path / "x.npz")


def test_invalid_content_is_a_file_format_error_naming_the_file(tmp_path):
    np.savez(
        tmp_path / "x.npz",
        t=np.arange(3.0),
        d=np.ones(4),
        start=[0.0],
        end=[2.0],
        type=np.array(["Tsd"]),
    )
    with pytest.raises(FileFormatError, match=r"x\.npz.*not a valid Tsd"):
        nap.load_file(tmp_path / "x.npz")


def test_missing_file(tmp_path):
    with pytest.raises(MemphysFileNotFoundError, match="does not exist"):
        NPZFile(tmp_path / "nope.npz")
    with pytest.raises(FileNotFoundError):
        load_npz(tmp_path / "nope.npz")


def test_no_resource_warning_on_errors(tmp_path):
    path = tmp_path / "x.npz"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 50)
    code = textwrap.dedent(
        f"""
        import gc, warnings
        warnings.simplefilter("error")
        import memphys as nap
        from memphys.errors import FileFormatError
        for _ in range(3):
            try:
                nap.load_file({str(path)!r})
            except FileFormatError:
                pass
        gc.collect()
        print("ok")
        """
    )
    proc = subprocess.run(
        [sys.executable, "-X", "dev", "-W", "error", "-c", code], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "ResourceWarning" not in proc.stderr


# ------------------------------------------------------------- filename rules
def test_filename_rules(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    tsd = OBJECTS["tsd_int"]
    with pytest.raises(TypeError):
        save_npz(tsd, dict)
    with pytest.raises(RuntimeError) as info:
        save_npz(tsd, "./")
    assert str(info.value) == f"Invalid filename input. {Path('./').resolve()} is directory."
    with pytest.raises(MemphysRuntimeError) as info:
        save_npz(tsd, "./fake/path/file.npz")
    assert str(info.value) == f"Path {Path('./fake/path').resolve()} does not exist."
    save_npz(tsd, "plain")
    save_npz(tsd, "other.txt")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["other.npz", "plain.npz"]


def test_unknown_object_type(tmp_path):
    with pytest.raises(MemphysTypeError, match="expected Ts, Tsd"):
        save_npz(np.arange(3), tmp_path / "x")


# ---------------------------------------------------------------- streaming
def test_lazy_data_and_regular_time_index_are_written_in_blocks(tmp_path, monkeypatch):
    n = 50_000
    mm = np.memmap(tmp_path / "raw.dat", dtype=np.int16, mode="w+", shape=(n, 4))
    mm[:] = np.arange(n * 4, dtype=np.int64).reshape(n, 4) % 30000
    mm.flush()
    frame = nap.TsdFrame(d=np.memmap(tmp_path / "raw.dat", np.int16, "r", shape=(n, 4)), rate=1e3)
    members = npz_members(frame)
    assert isinstance(members["t"], Blocks)
    assert isinstance(members["d"], Blocks)
    calls = []
    real = _npz._write_blocks

    def counting(fp, member):
        calls.append(member.shape)
        real(fp, member)

    monkeypatch.setattr(_npz, "_write_blocks", counting)
    monkeypatch.setattr(_npz, "_BLOCK_BYTES_MIN", 4096)
    with config_context(memory_budget=8 * 4096):
        assert _npz._block_rows(members["d"]) == 512
        save_npz(frame, tmp_path / "frame")
    assert calls == [(n,), (n, 4)]
    with np.load(tmp_path / "frame.npz") as f:
        np.testing.assert_array_equal(f["d"], mm)
        np.testing.assert_array_equal(f["t"], np.arange(n) / 1e3)


def test_interrupted_save_leaves_no_file_and_keeps_the_old_one(tmp_path, monkeypatch):
    n = 10_000
    frame = nap.TsdFrame(d=np.ones((n, 2)), rate=100.0)  # regular index -> block writer
    target = tmp_path / "frame.npz"

    def failing(fp, member):
        fp.write(b"\x00" * 100)
        raise OSError("disk full")

    monkeypatch.setattr(_npz, "_write_blocks", failing)
    with pytest.raises(OSError, match="disk full"):
        save_npz(frame, target)
    assert list(tmp_path.iterdir()) == []

    nap.IntervalSet(0, 1).save(target)  # np arrays only: not through the block writer
    before = target.read_bytes()
    with pytest.raises(OSError, match="disk full"):
        save_npz(frame, target)
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["frame.npz"]


def test_saved_file_permissions_follow_umask(tmp_path):
    old = os.umask(0o022)
    try:
        save_npz(OBJECTS["iset"], tmp_path / "x")
    finally:
        os.umask(old)
    assert (tmp_path / "x.npz").stat().st_mode & 0o777 == 0o644


def test_write_npz_and_member_shape_check(tmp_path):
    bad = Blocks((10,), np.float64, lambda a, b: np.zeros(3))
    with pytest.raises(MemphysTypeError, match="expected shape"):
        write_npz(tmp_path / "x.npz", {"x": bad})
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------- lazy loading
def test_lazy_loading_memory_maps_large_members(tmp_path):
    tsd = nap.Tsd(t=np.arange(1000.0), d=np.arange(1000.0))
    save_npz(tsd, tmp_path / "tsd")
    eager = nap.load_file(tmp_path / "tsd.npz")
    assert not isinstance(eager.values, np.memmap)
    lazy = nap.load_file(tmp_path / "tsd.npz", lazy_loading=True)
    assert isinstance(lazy.values, np.memmap)
    np.testing.assert_array_equal(lazy.values, tsd.values)
    np.testing.assert_array_equal(lazy.t, tsd.t)
    with config_context(memory_budget=4096):  # 8000 bytes > budget: mapped automatically
        auto = nap.load_file(tmp_path / "tsd.npz")
    assert isinstance(auto.values, np.memmap)
    assert not isinstance(nap.load_file(tmp_path / "tsd.npz", lazy_loading=False).values, np.memmap)

    # saving over the file (temporary + rename) leaves the mapped object intact
    save_npz(nap.Tsd(t=np.arange(5.0), d=np.zeros(5)), tmp_path / "tsd")
    np.testing.assert_array_equal(lazy.values[:3], [0.0, 1.0, 2.0])
    assert len(nap.load_file(tmp_path / "tsd.npz")) == 5


def test_compressed_npz_is_read_in_memory(tmp_path):
    np.savez_compressed(
        tmp_path / "c.npz",
        t=np.arange(5.0),
        d=np.arange(5.0),
        start=[0.0],
        end=[4.0],
        type=np.array(["Tsd"]),
    )
    tsd = nap.load_file(tmp_path / "c.npz", lazy_loading=True)
    assert not isinstance(tsd.values, np.memmap)
    np.testing.assert_array_equal(tsd.values, np.arange(5.0))


# -------------------------------------------------------------- memory (slow)
MEMORY_SCRIPT = textwrap.dedent(
    """
    import json, sys, threading, time
    import numpy as np

    def rss_anon():
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    return int(line.split()[1]) * 1024
        return 0

    peak = [0]
    done = threading.Event()
    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_anon())
            time.sleep(0.005)

    import memphys as nap
    raw, out = sys.argv[1], sys.argv[2]
    n_ch, n = 16, 2**30 // 32
    mm = np.memmap(raw, dtype=np.int16, mode="w+", shape=(n, n_ch))  # sparse: all zeros
    mm[-1] = np.arange(n_ch)
    mm.flush()
    del mm
    frame = nap.TsdFrame(d=np.memmap(raw, np.int16, "r", shape=(n, n_ch)), rate=20000.0)
    base = rss_anon()
    th = threading.Thread(target=sample); th.start()
    t0 = time.perf_counter()
    from memphys.io.npz.write import save_npz
    save_npz(frame, out)
    elapsed = time.perf_counter() - t0
    done.set(); th.join()
    print(json.dumps({"base": base, "peak": peak[0], "seconds": elapsed, "n": n}))
    """
)


@pytest.mark.slow
def test_saving_a_1gb_memmap_stays_in_bounded_memory(tmp_path):
    script = tmp_path / "mem.py"
    script.write_text(MEMORY_SCRIPT)
    raw, out = tmp_path / "raw.dat", tmp_path / "big.npz"
    proc = subprocess.run(
        [sys.executable, str(script), str(raw), str(out)],
        capture_output=True,
        text=True,
        timeout=280,
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\npeak RssAnon while saving 1 GiB: {report['peak'] / 2**20:.1f} MiB "
        f"(before: {report['base'] / 2**20:.1f} MiB), {report['seconds']:.1f} s"
    )
    assert 0 < report["peak"] < 150 * 2**20, report
    n = report["n"]
    with zipfile.ZipFile(out) as zf:
        assert zf.getinfo("d.npy").file_size > n * 32
        with zf.open("d.npy") as f:
            f.seek(n * 32 - 32 + 128)
            assert np.frombuffer(f.read(32), np.int16).tolist() == list(range(16))
    lazy = nap.load_file(out, lazy_loading=True)
    assert isinstance(lazy.values, np.memmap)
    assert lazy.values.shape == (n, 16)
    assert lazy.values[-1].tolist() == list(range(16))
    assert lazy.end == pytest.approx((n - 1) / 20000.0)
    raw.unlink()
    out.unlink()
