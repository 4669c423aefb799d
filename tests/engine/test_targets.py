"""What an output may replace (issue 11): only what memphys wrote."""

from __future__ import annotations

import os

import numpy as np
import pytest
import zarr

from memphys.engine.records import write_record
from memphys.engine.targets import check_replaceable, is_memphys_folder, replace_path
from memphys.errors import MemphysFileExistsError, OverwriteRefusedError


def _user_folder(path):
    path.mkdir()
    (path / "thesis.tex").write_text("years of work")
    return path


def test_folders_only_if_memphys_wrote_them(tmp_path):
    user = _user_folder(tmp_path / "user.zarr")
    with pytest.raises(OverwriteRefusedError, match=r"user\.zarr.*folder that memphys did not"):
        check_replaceable(user, "zarr")
    foreign = tmp_path / "foreign.zarr"
    zarr.create_array(str(foreign), shape=(3,), dtype="f4")
    with pytest.raises(OverwriteRefusedError, match="did not write"):
        check_replaceable(foreign, "zarr")
    ours = tmp_path / "ours.zarr"
    zarr.create_array(str(ours), shape=(3,), dtype="f4")
    write_record(ours)
    assert is_memphys_folder(ours)
    check_replaceable(ours, "zarr")
    legacy = tmp_path / "legacy.zarr"  # a memphys store written before records
    zarr.open_group(str(legacy), mode="w", attributes={"memphys_format_version": 1})
    check_replaceable(legacy, "zarr")
    (tmp_path / "empty").mkdir()
    check_replaceable(tmp_path / "empty", "folder")  # nothing to lose
    check_replaceable(tmp_path / "missing.zarr", "zarr")
    assert issubclass(OverwriteRefusedError, MemphysFileExistsError)
    assert issubclass(OverwriteRefusedError, FileExistsError)


def test_files_only_of_the_format_written(tmp_path):
    npy = tmp_path / "x.npy"
    np.save(npy, np.arange(3))
    check_replaceable(npy, "npy")
    text = tmp_path / "notes.npy"
    text.write_text("my notes")
    with pytest.raises(OverwriteRefusedError, match=r"notes\.npy.*not a \.npy file"):
        check_replaceable(text, "npy")
    with pytest.raises(OverwriteRefusedError, match="not an HDF5"):
        check_replaceable(text, "nwb")
    with pytest.raises(OverwriteRefusedError, match="not a zip"):
        check_replaceable(text, "npz")
    check_replaceable(text, "raw")  # raw binary has no signature
    with pytest.raises(OverwriteRefusedError, match=r"a \.npy file, not a raw binary"):
        check_replaceable(npy, "raw")
    with pytest.raises(OverwriteRefusedError, match="a file, not a Zarr store"):
        check_replaceable(npy, "zarr")
    folder = _user_folder(tmp_path / "d.npy")
    with pytest.raises(OverwriteRefusedError, match="a folder, not a file"):
        check_replaceable(folder, "npy")
    link = tmp_path / "link.npy"
    link.symlink_to(npy)
    with pytest.raises(OverwriteRefusedError, match="symbolic link"):
        check_replaceable(link, "npy")
    with pytest.raises(OverwriteRefusedError, match="the input being read"):
        check_replaceable(npy, "npy", source=npy)


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="needs /dev/null")
def test_devices_are_refused(tmp_path):
    fifo = tmp_path / "fifo.npy"
    os.mkfifo(fifo)
    with pytest.raises(OverwriteRefusedError, match="not a regular file"):
        check_replaceable(fifo, "npy")


def test_replace_path_swaps_folders(tmp_path):
    old, new = tmp_path / "x.zarr", tmp_path / "x.zarr.partial"
    old.mkdir()
    (old / "a").write_text("old")
    new.mkdir()
    (new / "b").write_text("new")
    replace_path(new, old)
    assert os.listdir(old) == ["b"]
    assert not new.exists()
    f, g = tmp_path / "f.npy", tmp_path / "f.npy.partial"
    f.write_text("old")
    g.write_text("new")
    replace_path(g, f)
    assert f.read_text() == "new"
    assert not g.exists()
