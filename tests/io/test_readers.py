"""The reader contract, the one registry of readers, and readers from entry points."""

from __future__ import annotations

import textwrap
import warnings
from pathlib import Path

import numpy as np
import pytest

import memphys as nap
import memphys.io
from memphys.errors import FileFormatError, MemphysKeyError, MemphysTypeError
from memphys.io import readers as registry
from memphys.io.interface import load_file
from memphys.io.readers import (
    ENTRY_POINT_GROUP,
    Reader,
    find_reader,
    get_reader,
    list_readers,
    register_reader,
    supported_extensions,
    unregister_reader,
)

BUILTIN = ["npz", "npy", "zarr", "binary", "nwb", "neo"]


class CsvReader(Reader):
    """A tiny third-party-style reader: a ``.csv`` of ``time,value`` rows as a Tsd."""

    name = "csv-tsd"
    extensions = (".csv",)
    description = "time,value text files as a Tsd"

    def open(self, path, lazy_loading=None, *, delimiter=","):
        data = np.loadtxt(path, delimiter=delimiter, ndmin=2)
        return nap.Tsd(t=data[:, 0], d=data[:, 1])


class _EntryPoint:
    """What ``importlib.metadata.entry_points`` yields: name, value, load()."""

    def __init__(self, name, value, target):
        self.name, self.value, self._target = name, value, target

    def load(self):
        if isinstance(self._target, Exception):
            raise self._target
        return self._target


@pytest.fixture(autouse=True)
def _fresh_plugins():
    """Every test reads the entry points afresh (and leaves none cached)."""
    registry._reset_plugins()
    yield
    registry._reset_plugins()


@pytest.fixture
def plugins(monkeypatch):
    """Fake the entry point lookup; returns the list to fill and a call counter."""
    found: list[_EntryPoint] = []
    calls = []

    def fake():
        calls.append(1)
        return list(found)

    monkeypatch.setattr(registry, "_entry_points", fake)
    return found, calls


def _csv(tmp_path: Path) -> Path:
    path = tmp_path / "trace.csv"
    path.write_text("0.0,1.5\n0.5,2.5\n1.0,3.5\n")
    return path


# --------------------------------------------------------------------------- contract
def test_builtin_readers_in_order_and_by_extension():
    assert [r.name for r in list_readers(plugins=False)] == BUILTIN
    cases = {
        "a.npz": "npz",
        "a.NPY": "npy",
        "a.zarr": "zarr",
        "a.dat": "binary",
        "a.eeg": "binary",
        "a.lfp": "binary",
        "a.bin": "binary",
        "a.raw": "binary",
        "a.nwb": "nwb",
        "a.rhd": "neo",
        "a.oebin": "neo",
    }
    for name, reader in cases.items():
        assert find_reader(Path(name)).name == reader, name
    for r in list_readers(plugins=False):
        assert r.description
        assert isinstance(r.extensions, tuple)
        assert all(e == e.lower() and e.startswith(".") for e in r.extensions)


def test_a_reader_must_define_open_and_a_name():
    class NoOpen(Reader):
        name = "x"

    with pytest.raises(TypeError):
        NoOpen()

    class NoName(CsvReader):
        name = ""

    with pytest.raises(MemphysTypeError, match="non-empty `name`"):
        register_reader(NoName)
    with pytest.raises(MemphysTypeError, match="Reader"):
        register_reader(object())


def test_register_first_replace_and_unregister(tmp_path):
    path = _csv(tmp_path)
    assert find_reader(path) is None
    reader = register_reader(CsvReader)
    try:
        assert list_readers(plugins=False)[-1] is reader
        assert find_reader(path) is reader
        tsd = load_file(path)
        np.testing.assert_array_equal(tsd.values, [1.5, 2.5, 3.5])
        # a reader's own options go through load_file; unknown ones are refused clearly
        path2 = tmp_path / "semi.csv"
        path2.write_text("0;1\n1;2\n")
        assert load_file(path2, delimiter=";").values.tolist() == [1.0, 2.0]
        with pytest.raises(MemphysTypeError, match=r"'csv-tsd' reader accepts no.*rate"):
            load_file(path, rate=3.0)
        # same name: replaced, not duplicated; first=True: asked before the others
        again = register_reader(CsvReader(), first=True)
        names = [r.name for r in list_readers(plugins=False)]
        assert names.count("csv-tsd") == 1
        assert names[0] == "csv-tsd"
        assert get_reader("csv-tsd") is again
        assert ".csv" in supported_extensions()
    finally:
        unregister_reader("csv-tsd")
    assert [r.name for r in list_readers(plugins=False)] == BUILTIN
    with pytest.raises(MemphysKeyError, match="allowed readers are 'npz'"):
        unregister_reader("csv-tsd")
    with pytest.raises(MemphysKeyError, match="but got 'nope'"):
        get_reader("nope")


def test_unrecognised_file_lists_the_extensions(tmp_path, plugins):
    path = tmp_path / "x.unknown"
    path.write_text("")
    with pytest.raises(FileFormatError, match=r"'\.nwb'.*'\.zarr'"):
        load_file(path)


# ------------------------------------------------------------------------ entry points
def test_entry_point_reader_opens_what_no_builtin_reader_recognises(tmp_path, plugins):
    found, calls = plugins
    found.append(_EntryPoint("csv", "tests.io.test_readers:CsvReader", CsvReader))
    path = _csv(tmp_path)
    assert find_reader(path).name == "csv-tsd"
    tsd = load_file(path)
    assert isinstance(tsd, nap.Tsd)
    np.testing.assert_array_equal(tsd.t, [0.0, 0.5, 1.0])
    assert "csv-tsd" in [r.name for r in list_readers()]
    assert get_reader("csv-tsd").extensions == (".csv",)
    assert len(calls) == 1  # read once, then cached


def test_entry_points_are_not_read_for_builtin_formats(tmp_path, plugins):
    _, calls = plugins
    nap.IntervalSet(0, 1).save(tmp_path / "ep")
    assert isinstance(load_file(tmp_path / "ep.npz"), nap.IntervalSet)
    assert list_readers(plugins=False)
    assert calls == []


def test_a_builtin_name_wins_over_an_entry_point_of_the_same_name(plugins):
    found, _ = plugins

    class FakeNpz(CsvReader):
        name = "npz"

    found.append(_EntryPoint("npz", "x:FakeNpz", FakeNpz))
    assert [r.name for r in list_readers()] == BUILTIN
    assert get_reader("npz") is list_readers(plugins=False)[0]


def test_a_broken_entry_point_is_skipped_with_a_warning(tmp_path, plugins):
    found, _ = plugins
    found.append(_EntryPoint("bad", "nowhere:Reader", ImportError("No module named 'nowhere'")))
    found.append(_EntryPoint("notareader", "x:y", 42))
    found.append(_EntryPoint("csv", "tests.io.test_readers:CsvReader", CsvReader))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert [r.name for r in list_readers()][-1] == "csv-tsd"
    messages = [str(w.message) for w in caught]
    assert any("'bad'" in m and "nowhere:Reader" in m and "ImportError" in m for m in messages)
    assert any("'notareader'" in m for m in messages)
    assert load_file(_csv(tmp_path)).shape == (3,)


def test_entry_point_from_an_installed_distribution(tmp_path, monkeypatch):
    """A package (here a .dist-info on sys.path) registers a reader with no change to memphys."""
    (tmp_path / "memphys_txt_plugin.py").write_text(
        textwrap.dedent(
            """
            from memphys.io.readers import Reader

            class TextReader(Reader):
                name = "plain-text"
                extensions = (".txt",)
                description = "text files, as a string"

                def open(self, path, lazy_loading=None):
                    return path.read_text()
            """
        )
    )
    info = tmp_path / "memphys_txt_plugin-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: memphys-txt-plugin\nVersion: 0.1\n"
    )
    (info / "entry_points.txt").write_text(
        f"[{ENTRY_POINT_GROUP}]\ntext = memphys_txt_plugin:TextReader\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "notes.txt"
    path.write_text("hello")
    assert load_file(path) == "hello"
    assert get_reader("plain-text").description == "text files, as a string"


# ------------------------------------------------------------------------ public names
def test_public_names_and_paths_keep_working():
    from memphys.io import nwb
    from memphys.io.binary import load_binary_file
    from memphys.io.interface import load_file as lf
    from memphys.io.neo import EphysReader
    from memphys.io.npy import load_npy, save_npy
    from memphys.io.npz import NPZFile
    from memphys.io.nwb import NWBFile, load_session, write_nwb
    from memphys.io.zarr import load_zarr, save_zarr

    assert nap.load_file is lf is memphys.io.load_file
    assert nap.NWBFile is NWBFile is memphys.io.NWBFile is nwb.NWBFile
    assert nap.EphysReader is EphysReader is memphys.io.EphysReader
    assert nap.load_binary_file is load_binary_file is memphys.io.load_binary_file
    assert nap.NPZFile is NPZFile is memphys.io.NPZFile
    assert nap.load_session is load_session
    assert memphys.io.write_nwb is write_nwb is nwb.write_nwb
    assert memphys.io.save_zarr is save_zarr
    assert memphys.io.load_zarr is load_zarr
    assert memphys.io.save_npy is save_npy
    assert memphys.io.load_npy is load_npy
    assert nap.load_folder is memphys.io.load_folder
    assert nap.Folder is memphys.io.Folder
    for name in memphys.io.__all__:
        assert getattr(memphys.io, name) is not None, name
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        memphys.io.nope
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        memphys.io.nwb.nope


def test_no_two_families_export_the_same_name():
    seen: dict[str, str] = {}
    for family in memphys.io._FAMILIES:
        for name in family.__all__:
            if name == "save":
                continue
            assert name not in seen, f"{name} in {seen.get(name)} and {family.__name__}"
            seen[name] = family.__name__


def test_cli_binary_options_follow_the_registry():
    """The command line asks the registry which files are raw binary (no table of its own)."""
    from memphys.cli import _common

    assert not hasattr(_common, "BINARY_EXTENSIONS")
    assert get_reader("binary").extensions == (".dat", ".eeg", ".lfp", ".bin", ".raw")
