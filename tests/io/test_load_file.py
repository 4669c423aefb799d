"""``load_file`` dispatch through the reader registry (and ``register_loader``) and
``load_folder``."""

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
from memphys.io.folder import load_folder
from memphys.io.interface import load_file, register_loader, supported_extensions
from memphys.io.readers import unregister_reader


def test_public_names():
    assert nap.load_file is load_file
    assert nap.load_folder is load_folder
    from memphys.io.folder import Folder
    from memphys.io.npz import NPZFile
    from memphys.io.npz.read import NPZFile as npz_file

    assert NPZFile is npz_file

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


def test_register_loader(tmp_path):
    """A function registered for an extension is asked first; load_file dispatches to it."""
    seen = []

    def fake(path, lazy_loading):
        seen.append((path, lazy_loading))
        return "loaded"

    reader = register_loader("XYZ", fake)
    try:
        assert ".xyz" in supported_extensions()
        path = tmp_path / "data.xyz"
        path.write_bytes(b"")
        assert load_file(path, lazy_loading=False) == "loaded"
        assert seen == [(path, False)]
        with pytest.raises(MemphysTypeError, match="accepts no argument"):
            load_file(path, n_channels=3)
    finally:
        unregister_reader(reader.name)
    with pytest.raises(FileFormatError):
        load_file(path)

    # "module:function" strings are imported on first use
    reader = register_loader(".abc", "memphys.io.npz.read:load_npz")
    try:
        nap.IntervalSet(0, 2).save(tmp_path / "ep")
        (tmp_path / "ep.npz").rename(tmp_path / "ep.abc")
        assert isinstance(load_file(tmp_path / "ep.abc"), nap.IntervalSet)
    finally:
        unregister_reader(reader.name)

    with pytest.raises(MemphysTypeError):
        register_loader("", fake)
    with pytest.raises(MemphysTypeError, match="`loader`"):
        register_loader(".x", 3)


def test_a_registered_loader_takes_over_a_builtin_extension(tmp_path):
    nap.IntervalSet(0, 1).save(tmp_path / "ep")
    reader = register_loader(".npz", lambda path, lazy_loading: "mine")
    try:
        assert load_file(tmp_path / "ep.npz") == "mine"
    finally:
        unregister_reader(reader.name)
    assert isinstance(load_file(tmp_path / "ep.npz"), nap.IntervalSet)


def test_unknown_reader_arguments_are_refused_with_the_reader_named(tmp_path):
    nap.IntervalSet(0, 1).save(tmp_path / "ep")
    with pytest.raises(MemphysTypeError, match=r"'npz' reader accepts no argument.*n_channels"):
        load_file(tmp_path / "ep.npz", n_channels=4)


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


def test_import_memphys_registers_the_readers_without_importing_their_code():
    """The readers and writers are registered by `import memphys`, which imports none of
    their modules (nor memphys.core, pandas, zipfile or pathlib)."""
    import subprocess
    import sys

    code = (
        "import sys, time; t = time.perf_counter(); import memphys; "
        "print(time.perf_counter() - t); "
        "print(sorted(m for m in ('zipfile', 'pathlib', 'pandas', 'memphys.core', "
        "'memphys.io.npz.read', 'memphys.io.npz.write', 'memphys.io.folder', "
        "'memphys.io.interface', 'memphys.io.zarr.store', 'memphys.io.nwb.read') "
        "if m in sys.modules)); "
        "from memphys.io.readers import list_readers; "
        "from memphys.registry import writer_suffixes; "
        "print([r.name for r in list_readers(plugins=False)], writer_suffixes())"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    lines = out.stdout.split("\n")
    assert lines[1] == "[]"
    assert float(lines[0]) < 2.0
    assert lines[2] == (
        "['npz', 'npy', 'zarr', 'binary', 'nwb', 'neo'] "
        "['.bin', '.dat', '.npy', '.npz', '.raw', '.zarr']"
    )


def test_npz_loading_is_fast_for_many_small_files(tmp_path):
    for i in range(20):
        nap.IntervalSet(i, i + 1).save(tmp_path / f"ep{i}")
    t0 = time.perf_counter()
    objs = [load_file(p) for p in sorted(Path(tmp_path).iterdir())]
    assert len(objs) == 20
    assert time.perf_counter() - t0 < 5
