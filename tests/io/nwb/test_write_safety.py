"""NWB files (issue 11): partial files no loader lists, data without its field, objects
memphys cannot load, scratch compression and complex values."""

from __future__ import annotations

import datetime
import os
import warnings

import h5py
import numpy as np
import pytest

import memphys as nap
from memphys import errors
from memphys.io.nwb import write as nwb_write
from memphys.io.nwb.copies import add_scratch, get_scratch
from memphys.io.nwb.write import write_nwb

MemphysKeyError = errors.MemphysKeyError


def test_partial_files_are_hidden_and_not_nwb(tmp_path):
    tmp = nwb_write._temp_path(tmp_path / "session.nwb")
    assert tmp.name.startswith(".session.nwb.")
    assert not tmp.name.endswith(".nwb")
    assert tmp.parent == tmp_path


def test_a_killed_writers_partial_is_not_listed_and_is_removed_next_time(tmp_path):
    x = nap.Tsd(t=np.arange(100) / 10, d=np.arange(100.0))
    target = tmp_path / "session.nwb"
    stale = tmp_path / ".session.nwb.12345-deadbeef.partial"  # what SIGKILL leaves
    stale.write_bytes(b"\x89HDF\r\n\x1a\n half written")
    other = tmp_path / ".other.nwb.12345-deadbeef.partial"  # another target's: kept
    other.write_bytes(b"x")
    folder = nap.Folder(tmp_path)
    assert list(folder.keys()) == []  # the partial is not a session file
    write_nwb(x, target, "x")
    assert not stale.exists()
    assert other.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [other.name, "session.nwb"]
    assert list(nap.Folder(tmp_path).keys()) == ["session"]


def test_an_interrupted_write_leaves_the_file_and_no_partial(tmp_path, monkeypatch):
    target = tmp_path / "s.nwb"
    write_nwb(nap.Tsd(t=np.arange(10.0), d=np.ones(10)), target, "a")
    before = target.read_bytes()

    def interrupted(path, final):
        raise KeyboardInterrupt

    monkeypatch.setattr(nwb_write, "_validate_file", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_nwb(nap.Tsd(t=np.arange(10.0), d=np.zeros(10)), target, "b")
    assert target.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["s.nwb"]


def _file_without_data(path):
    import pynwb
    from pynwb.base import Images
    from pynwb.image import GrayscaleImage

    f = pynwb.NWBFile("d", "id", datetime.datetime.now(datetime.UTC))
    f.add_acquisition(pynwb.TimeSeries(name="ts", data=np.arange(10.0), unit="V", rate=10.0))
    f.add_acquisition(Images(name="imgs", images=[GrayscaleImage(name="g", data=np.zeros((3, 3)))]))
    with pynwb.NWBHDF5IO(str(path), "w") as io:
        io.write(f)
    with h5py.File(path, "a") as h:
        del h["acquisition/ts/data"]


def test_timeseries_without_data_is_refused(tmp_path):
    path = tmp_path / "t.nwb"
    _file_without_data(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pynwb warns about the missing dataset
        nwb = nap.load_file(path)
        with pytest.raises(errors.FileFormatError, match=r"'/ts' has no `data`"):
            nwb["ts"]


def test_objects_memphys_cannot_load_are_listed_with_the_reason(tmp_path):
    path = tmp_path / "t.nwb"
    _file_without_data(path)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        nwb = nap.load_file(path)
    assert "imgs" not in nwb  # pynapple's keys
    assert "imgs" in repr(nwb)
    assert "Images (not loadable)" in repr(nwb)
    with pytest.raises(KeyError, match=r"Can't load 'imgs': .*Images.*pynwb") as info:
        nwb["imgs"]
    assert isinstance(info.value, MemphysKeyError)


def test_add_scratch_applies_compression_to_plain_arrays(tmp_path):
    path = tmp_path / "s.nwb"
    add_scratch(path, "a", np.arange(10_000.0), compression="gzip", compression_opts=4)
    add_scratch(path, "b", np.arange(10.0))
    with h5py.File(path) as h:
        assert h["scratch/a"].compression == "gzip"
        assert h["scratch/b"].compression is None
    np.testing.assert_array_equal(get_scratch(path, "a"), np.arange(10_000.0))
    pd = pytest.importorskip("pandas")
    with pytest.raises(ValueError, match="compression"):
        add_scratch(path, "t", pd.DataFrame({"x": [1, 2]}), compression="gzip")
    with pytest.raises(TypeError, match="unit"):
        add_scratch(path, "c", np.arange(3.0), unit="V")


@pytest.mark.parametrize(
    "obj",
    [np.ones(3, dtype=complex), nap.Tsd(t=np.arange(3.0), d=np.ones(3, dtype="complex64"))],
    ids=["array", "tsd"],
)
def test_complex_values_are_refused_clearly(tmp_path, obj):
    path = tmp_path / "s.nwb"
    with pytest.raises(errors.MemphysError, match="complex") as info:
        add_scratch(path, "z", obj)
    assert isinstance(info.value, TypeError)
    assert not os.path.exists(path)
