"""``Folder``: walking nested folders, the text tree, lazy loading, save + JSON sidecar."""

from __future__ import annotations

import json
import logging

import numpy as np
import pytest

import memphys as nap
from memphys.errors import FileFormatError, MemphysKeyError
from memphys.io.npz import NPZFile


@pytest.fixture
def session(tmp_path):
    root = tmp_path / "session"
    (root / "probe0" / "shank1").mkdir(parents=True)
    (root / ".hidden").mkdir()
    nap.IntervalSet(start=[0, 10], end=[5, 12]).save(root / "epochs")
    nap.IntervalSet(start=0, end=3, metadata={"label": "sleep"}).save(root / "my sleep")
    nap.IntervalSet(start=0, end=1).save(root / "probe0" / "wake")
    nap.IntervalSet(start=0, end=2).save(root / "probe0" / "shank1" / "units")
    nap.IntervalSet(start=0, end=2).save(root / ".hidden" / "secret")
    np.savez(root / "arrays.npz", a=np.arange(3))
    (root / "notes.txt").write_text("not listed")
    return root


def test_items_and_attributes(session):
    folder = nap.Folder(session)
    assert folder.name == "session"
    assert folder.path == session
    assert list(folder.subfolds) == ["probe0"]
    assert set(folder.npz_files) == {"epochs", "mysleep", "arrays"}
    assert set(folder) == {"epochs", "mysleep", "arrays", "probe0"}
    assert all(isinstance(f, NPZFile) for f in folder.npz_files.values())
    assert isinstance(folder["probe0"], nap.Folder)
    assert isinstance(folder["probe0"]["shank1"], nap.Folder)


def test_tree_repr(session):
    folder = nap.Folder(session)
    assert repr(folder) == (
        "📂 session\n"
        "├── 📂 probe0\n"
        "├── arrays.npz  |  npz\n"
        "├── epochs.npz  |  IntervalSet\n"
        "└── my sleep.npz  |  IntervalSet"
    )
    assert str(folder) == repr(folder)


def test_expand_prints_the_full_tree(session, capsys):
    folder = nap.Folder(session)
    assert folder.expand() is None
    assert folder.view is None
    out = capsys.readouterr().out.split("\n")
    assert out[:5] == [
        "📂 session",
        "├── 📂 probe0",
        "│   ├── 📂 shank1",
        "│   │   └── units.npz  |  IntervalSet",
        "│   └── wake.npz  |  IntervalSet",
    ]
    assert out.count("📂 session") == 2


def test_getitem_loads_once_and_caches(session):
    folder = nap.Folder(session)
    assert isinstance(folder.data["epochs"], NPZFile)
    ep = folder["epochs"]
    assert isinstance(ep, nap.IntervalSet)
    assert folder.data["epochs"] is ep
    assert folder["epochs"] is ep
    assert folder["mysleep"].label.tolist() == ["sleep"]
    with folder["arrays"] as arrays:
        np.testing.assert_array_equal(arrays["a"], [0, 1, 2])


def test_missing_key(session):
    folder = nap.Folder(session)
    with pytest.raises(KeyError) as info:
        folder["nope"]
    assert isinstance(info.value, MemphysKeyError)
    assert str(info.value) == "Can't find key nope in group index."
    with pytest.raises(KeyError):
        folder[["unhashable"]]


def test_load_all(session):
    folder = nap.Folder(session)
    folder.load()
    assert isinstance(folder.data["epochs"], nap.IntervalSet)
    assert isinstance(folder.data["mysleep"], nap.IntervalSet)


def test_save_writes_npz_and_sidecar(session, capsys):
    folder = nap.Folder(session)
    ep = nap.IntervalSet(start=[1, 4], end=[2, 8])
    folder.save("new", ep, "Test description")
    assert folder["new"] is ep
    assert isinstance(folder.npz_files["new"], NPZFile)
    meta = json.loads((session / "new.json").read_text())
    assert set(meta) == {"time", "info"}
    assert meta["info"] == "Test description"
    assert "new.npz  |  IntervalSet" in repr(folder)
    np.testing.assert_array_equal(nap.Folder(session)["new"].values, ep.values)
    assert not [p for p in session.iterdir() if p.suffix == ".tmp"]

    folder.metadata("new")
    out = capsys.readouterr().out
    assert "info : Test description" in out
    assert str(session / "new.npz") in out
    folder.info("epochs")
    assert "No metadata" in capsys.readouterr().out
    folder.doc("new")
    assert "Test description" in capsys.readouterr().out


def test_unreadable_file_is_listed_and_raises_on_access(session, caplog):
    data = (session / "epochs.npz").read_bytes()
    (session / "broken.npz").write_bytes(data[: len(data) // 2])
    with caplog.at_level(logging.WARNING, logger="memphys.io.folder"):
        folder = nap.Folder(session)
    assert "broken.npz" in caplog.text
    assert "broken.npz  |  unreadable" in repr(folder)
    with pytest.raises(FileFormatError, match="truncated or corrupt"):
        folder["broken"]


def test_nwb_files_are_listed_and_opened_with_load_file(session):
    (session / "rec.nwb").write_bytes(b"not really nwb")
    folder = nap.Folder(session)
    assert "rec.nwb  |  NWB file" in repr(folder)
    assert "rec" in folder.nwb_files
    with pytest.raises(FileFormatError):  # until the NWB reader is registered
        folder["rec"]


def test_not_a_folder(tmp_path):
    f = tmp_path / "x.npz"
    f.write_bytes(b"")
    with pytest.raises(ValueError, match="expected a folder"):
        nap.Folder(f)
