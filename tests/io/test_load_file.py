"""``load_file`` dispatch by extension (and its extension point) and ``load_folder``."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import pytest

import memphys as nap
from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysTypeError,
)
from memphys.io import interface
from memphys.io.interface import LOADERS, load_file, load_folder, register_loader


def test_public_names():
    assert nap.load_file is load_file
    assert nap.load_folder is load_folder
    from memphys.io.folder import Folder
    from memphys.io.npz import NPZFile

    assert nap.Folder is Folder
    assert nap.NPZFile is NPZFile


def test_npz_dispatch(tmp_path):
    ep = nap.IntervalSet(start=[0, 10], end=[5, 12])
    ep.save(tmp_path / "ep")
    back = load_file(tmp_path / "ep.npz")
    assert isinstance(back, nap.IntervalSet)
    np.testing.assert_array_equal(back.values, ep.values)
    assert isinstance(load_file(str(tmp_path / "ep.npz")), nap.IntervalSet)


def test_extension_is_case_insensitive(tmp_path):
    nap.IntervalSet(0, 1).save(tmp_path / "ep")
    (tmp_path / "ep.npz").rename(tmp_path / "EP.NPZ")
    assert isinstance(load_file(tmp_path / "EP.NPZ"), nap.IntervalSet)


def test_missing_file_has_pynapple_message():
    with pytest.raises(FileNotFoundError) as info:
        load_file("themissingfile.npz")
    assert isinstance(info.value, MemphysFileNotFoundError)
    assert str(info.value) == "File themissingfile.npz does not exist"


def test_unsupported_extension_lists_the_supported_ones(tmp_path):
    path = tmp_path / "test.xyz"
    path.write_bytes(b"abc")
    with pytest.raises(FileFormatError) as info:
        load_file(path)
    msg = str(info.value)
    assert "'.npz'" in msg
    assert str(path) in msg
    assert isinstance(info.value, ValueError)


def test_folder_given_to_load_file_points_to_load_folder(tmp_path):
    with pytest.raises(FileFormatError, match="load_folder"):
        load_file(tmp_path)


def test_bad_path_type():
    with pytest.raises(MemphysTypeError, match="`path`"):
        load_file(3)
    with pytest.raises(TypeError):
        load_folder(None)


def test_extension_point(tmp_path, monkeypatch):
    """A format module adds one registry entry; load_file then dispatches to it."""
    monkeypatch.setattr(interface, "LOADERS", dict(LOADERS))
    seen = []

    def fake(path, lazy_loading):
        seen.append((path, lazy_loading))
        return "loaded"

    register_loader("XYZ", fake)
    assert ".xyz" in interface.supported_extensions()
    path = tmp_path / "data.xyz"
    path.write_bytes(b"")
    assert load_file(path, lazy_loading=False) == "loaded"
    assert seen == [(path, False)]

    # "module:function" strings are imported on first use
    register_loader(".abc", "memphys.io.npz:load_npz")
    nap.IntervalSet(0, 2).save(tmp_path / "ep")
    (tmp_path / "ep.npz").rename(tmp_path / "ep.abc")
    assert isinstance(load_file(tmp_path / "ep.abc"), nap.IntervalSet)

    with pytest.raises(MemphysTypeError):
        register_loader("", fake)


def test_load_folder(tmp_path):
    nap.IntervalSet(0, 1).save(tmp_path / "ep")
    folder = load_folder(tmp_path)
    assert isinstance(folder, nap.Folder)
    assert list(folder) == ["ep"]


def test_load_folder_errors(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        load_folder("MissingFolder")
    assert str(info.value) == "Folder MissingFolder does not exist"
    f = tmp_path / "file.npz"
    f.write_bytes(b"")
    with pytest.raises(FileFormatError, match="expected a folder"):
        load_folder(f)


def test_import_memphys_does_not_import_zipfile_or_io_modules():
    import subprocess
    import sys

    code = (
        "import sys, time; t = time.perf_counter(); import memphys; "
        "print(time.perf_counter() - t); "
        "print(sorted(m for m in ('zipfile', 'memphys.io.npz', 'memphys.io.folder', "
        "'memphys.core._npz') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.split("\n")
    assert lines[1] == "[]"
    assert float(lines[0]) < 2.0


def test_npz_loading_is_fast_for_many_small_files(tmp_path):
    for i in range(20):
        nap.IntervalSet(i, i + 1).save(tmp_path / f"ep{i}")
    t0 = time.perf_counter()
    objs = [load_file(p) for p in sorted(Path(tmp_path).iterdir())]
    assert len(objs) == 20
    assert time.perf_counter() - t0 < 5
