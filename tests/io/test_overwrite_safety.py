"""Nothing lost (issue 11): every writer replaces only what memphys wrote.

Each writer, asked to write (with ``overwrite``) over a user's folder, another tool's
store, or a file of another format, refuses with an error naming the path and leaves
what was there untouched; over its own previous output it replaces it.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pytest
import zarr
from click.testing import CliRunner

import memphys as nap
from memphys import errors
from memphys.errors import MemphysError

# getattr: on a memphys without this class (main before issue 11), the tests still run
# and fail for the right reason (the data destroyed, no error raised)
OverwriteRefusedError = getattr(errors, "OverwriteRefusedError", FileExistsError)


def _tree(path):
    """A digest of every file under ``path`` (names and bytes)."""
    h = hashlib.sha256()
    items = sorted(path.rglob("*")) if path.is_dir() else [path]
    for p in items:
        h.update(str(p.relative_to(path.parent)).encode())
        if p.is_file():
            h.update(p.read_bytes())
    return h.hexdigest()


@pytest.fixture
def user_folder(tmp_path):
    folder = tmp_path / "mydata.zarr"
    folder.mkdir()
    (folder / "thesis.tex").write_text("years of work")
    (folder / "sub").mkdir()
    (folder / "sub" / "figure.png").write_bytes(b"\x89PNG")
    return folder


@pytest.fixture
def foreign_store(tmp_path):
    path = tmp_path / "other.zarr"
    z = zarr.create_array(str(path), shape=(10,), dtype="f8")
    z[:] = np.arange(10.0)
    return path


@pytest.fixture
def tsd():
    return nap.TsdFrame(t=None, d=np.arange(200, dtype="int16").reshape(100, 2), rate=100.0)


def _refused(call, path):
    before = _tree(path)
    with pytest.raises(OverwriteRefusedError) as info:
        call()
    assert str(path) in str(info.value)
    assert _tree(path) == before
    return info.value


# ------------------------------------------------------------------------------------ zarr
def test_save_zarr_refuses_a_users_folder(user_folder, tsd):
    from memphys.io.zarr import save_zarr

    _refused(lambda: save_zarr(tsd, user_folder), user_folder)
    _refused(lambda: tsd.save(user_folder), user_folder)  # x.save("d.zarr")
    _refused(lambda: tsd.save(user_folder, overwrite=True), user_folder)


def test_save_zarr_refuses_another_tools_store(foreign_store, tsd):
    _refused(lambda: tsd.save(foreign_store), foreign_store)


def test_save_zarr_replaces_its_own_store(tmp_path, tsd):
    path = tmp_path / "x.zarr"
    tsd.save(path)
    (tsd * 2).save(path)
    np.testing.assert_array_equal(nap.load_file(path).values[:], tsd.values * 2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.zarr"]  # no lock, no partial


def test_convert_refuses_a_users_folder(tmp_path, user_folder):
    from memphys.cli.main import main
    from memphys.io.convert import convert

    raw = tmp_path / "in.dat"
    np.arange(4000, dtype="int16").tofile(raw)
    kw = {"n_channels": 4, "sampling_rate": 1000.0}
    _refused(lambda: convert(raw, user_folder, load_kwargs=kw, progress_bar=False), user_folder)
    before = _tree(user_folder)
    result = CliRunner().invoke(
        main,
        [
            "convert",
            str(raw),
            str(user_folder),
            "--n-channels",
            "4",
            "--sampling-rate",
            "1000",
            "--overwrite",
            "--no-progress",
        ],
    )
    assert result.exit_code == 1
    assert "Refusing to replace" in result.output
    assert str(user_folder) in result.output
    assert _tree(user_folder) == before


def test_out_zarr_and_npy_of_analyses_refuse_a_users_folder(tmp_path, user_folder, tsd):
    from memphys.engine import NpySink, ZarrSink, plan_blocks, run_blocks

    src = np.arange(100.0)
    _refused(
        lambda: run_blocks(
            None, src, plan_blocks(100, 10), ZarrSink(user_folder, (), "f8"), progress_bar=False
        ),
        user_folder,
    )
    folder = user_folder.with_name("d.npy")
    folder.mkdir()
    (folder / "keep").write_text("x")
    _refused(
        lambda: run_blocks(
            None, src, plan_blocks(100, 10), NpySink(folder, (), "f8"), progress_bar=False
        ),
        folder,
    )


# ------------------------------------------------------------------------- files
def test_save_npy_refuses_other_files_and_folders(tmp_path, tsd):
    notes = tmp_path / "notes.npy"
    notes.write_text("not an array")
    _refused(lambda: tsd.save(notes), notes)
    folder = tmp_path / "d.npy"
    folder.mkdir()
    (folder / "keep").write_text("x")
    _refused(lambda: tsd.save(folder), folder)
    ok = tmp_path / "ok.npy"
    np.save(ok, np.zeros(3))
    tsd.save(ok)  # a .npy file is replaced
    np.testing.assert_array_equal(np.load(ok), tsd.values)


def test_save_binary_refuses_files_of_other_formats(tmp_path, tsd):
    from memphys.io.binary import save_binary

    npy = tmp_path / "x.dat"
    with open(npy, "wb") as fh:  # a .npy file named .dat
        np.save(fh, np.zeros(3))
    _refused(lambda: save_binary(tsd, npy), npy)
    folder = tmp_path / "rec.dat"
    folder.mkdir()
    (folder / "keep").write_text("x")
    _refused(lambda: save_binary(tsd, folder), folder)


def test_npz_refuses_other_files_and_folders(tmp_path, tsd):
    text = tmp_path / "x.npz"
    text.write_text("not an archive")
    _refused(lambda: tsd.save(text), text)
    folder = tmp_path / "y.npz"
    folder.mkdir()
    (folder / "keep").write_text("x")
    before = _tree(folder)
    with pytest.raises(MemphysError, match="is directory"):  # pynapple's message
        tsd.save(folder)
    assert _tree(folder) == before


def test_nwb_overwrite_refuses_other_files(tmp_path, tsd):
    from memphys.io.nwb import make_processed_copy, write_nwb

    text = tmp_path / "x.nwb"
    text.write_text("not HDF5")
    _refused(lambda: write_nwb(tsd, text, "lfp", overwrite=True), text)
    raw = tmp_path / "raw.nwb"
    write_nwb(tsd, raw, "raw")
    _refused(lambda: make_processed_copy(raw, text, {"low": tsd}, overwrite=True), text)


# ------------------------------------------------------------------------- ephys savers
@pytest.mark.parametrize("fmt", ["binary", "zarr"])
def test_ephys_savers_refuse_a_users_folder(tmp_path, fmt):
    import memphys.ephys as si

    rec = si.generate_recording(num_channels=2, durations=[0.1], seed=0)
    folder = tmp_path / ("rec.zarr" if fmt == "zarr" else "rec")
    folder.mkdir()
    (folder / "keep.txt").write_text("mine")
    before = _tree(folder)
    with pytest.raises(MemphysError, match="Refusing to replace"):
        rec.save(folder=folder, format=fmt, overwrite=True, progress_bar=False)
    assert _tree(folder) == before
    (folder / "keep.txt").unlink()
    folder.rmdir()
    rec.save(folder=folder, format=fmt, progress_bar=False)
    rec.save(folder=folder, format=fmt, overwrite=True, progress_bar=False)  # its own: fine
    assert (folder / "memphys_record.json").is_file()
