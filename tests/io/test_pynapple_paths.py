"""pynapple 0.11.4's module paths and deprecated names, under memphys (issue 10, part 6)."""

from __future__ import annotations

import subprocess
import sys
import warnings

import neo
import numpy as np
import pytest
import quantities as pq

import memphys as nap
from memphys.errors import MemphysDeprecationWarning, MemphysRuntimeError


def test_module_paths_are_the_same_objects():
    from memphys.core.config import nap_config
    from memphys.core.metadata_class import _Metadata, _MetadataMixin
    from memphys.io.interface_nwb import NWBFile, _get_unique_identifier, _make_tsd_frame

    assert nap.core.config.nap_config is nap_config is nap.nap_config
    assert nap.core.nap_config is nap.nap_config
    assert nap.core.metadata_class._MetadataMixin is _MetadataMixin
    assert isinstance(nap.IntervalSet(0, 1)._metadata, _Metadata)
    assert nap.io.interface_nwb.NWBFile is NWBFile is nap.NWBFile
    assert nap.io.interface_nwb._make_tsd_frame is _make_tsd_frame
    assert _get_unique_identifier({"/a/b/c": "c", "/d/e/c": "c"}) == {
        "/a/b/c": "b/c",
        "/d/e/c": "e/c",
    }
    assert nap.misc is nap.io.misc
    assert nap.misc.load_file is nap.load_file
    assert nap.misc.load_binary_file is nap.load_binary_file
    assert nap.io.interface_neo.EphysReader is nap.EphysReader
    assert {"misc", "interface_nwb", "load_eeg"} <= set(dir(nap))


def test_the_paths_do_not_slow_down_import():
    code = "import sys, memphys; print(any(m in sys.modules for m in ('neo', 'pynwb', 'h5py')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_load_eeg_is_load_binary_file_with_pynapple_warning(tmp_path):
    path = tmp_path / "x.eeg"
    data = np.arange(40, dtype=np.int16).reshape(10, 4)
    data.tofile(path)
    with pytest.warns(DeprecationWarning, match="^load_eeg is deprecated .* load_binary_file"):
        old = nap.load_eeg(path, channel=[1, 3], n_channels=4, frequency=100.0)
    new = nap.load_binary_file(path, channel=[1, 3], n_channels=4, frequency=100.0)
    np.testing.assert_array_equal(old.values, data[:, [1, 3]])
    np.testing.assert_array_equal(old.t, new.t)
    with pytest.warns(MemphysDeprecationWarning):
        assert nap.load_eeg(path, n_channels=4, frequency=100.0).shape == (10, 4)


def _session(tmp_path):
    folder = tmp_path / "session"
    (folder / "pynapplenwb").mkdir(parents=True)
    nwb_path = folder / "pynapplenwb" / "session.nwb"
    nap.io.nwb.write_nwb(nap.IntervalSet(0, 10), nwb_path, "wake")
    return folder, nwb_path


def test_append_nwb_lfp_adds_the_signal(tmp_path):
    folder, nwb_path = _session(tmp_path)
    lfp = nap.TsdFrame(t=np.arange(50) / 10, d=np.arange(100.0).reshape(50, 2), columns=[3, 5])
    with pytest.warns(DeprecationWarning, match="append_NWB_LFP is deprecated.*write_nwb"):
        assert nap.append_NWB_LFP(folder, lfp) is None
    f = nap.NWBFile(nwb_path)
    try:
        assert {"wake", "ElectricalSeries"} <= set(f.keys())
        back = f["ElectricalSeries"]
        np.testing.assert_array_equal(back.values[:], lfp.values)
        np.testing.assert_allclose(back.t, lfp.t)
    finally:
        f.close()


def test_append_nwb_lfp_errors(tmp_path):
    folder, _ = _session(tmp_path)
    tsd = nap.Tsd(t=np.arange(5.0), d=np.arange(5.0))
    with (
        pytest.warns(MemphysDeprecationWarning),
        pytest.raises(MemphysRuntimeError, match="Please specify which channel"),
    ):
        nap.append_NWB_LFP(folder, tsd)
    with (
        pytest.warns(MemphysDeprecationWarning),
        pytest.raises(RuntimeError, match="Can't find nwb file in"),
    ):
        nap.append_NWB_LFP(tmp_path, tsd, channel=0)


def _block(n_seg=3, n=7, ch=2):
    block = neo.Block()
    for k in range(n_seg):
        seg = neo.Segment()
        d = np.arange(n * ch, dtype=np.float32).reshape(n, ch) + 100 * k
        seg.analogsignals.append(
            neo.AnalogSignal(d, units="mV", sampling_rate=10 * pq.Hz, t_start=10 * k * pq.s)
        )
        block.segments.append(seg)
    return block


def test_neo_signal_interface_matches_the_concatenated_segments():
    block = _block()
    ref = np.concatenate([seg.analogsignals[0].magnitude for seg in block.segments])
    with pytest.warns(DeprecationWarning, match="NeoSignalInterface is deprecated"):
        iface = nap.NeoSignalInterface(block.segments[0].analogsignals[0], block)
    assert (iface.shape, iface.ndim, iface.dtype) == (ref.shape, 2, np.float32)
    assert (iface.nap_type, len(iface), iface.dt) == (nap.TsdFrame, 21, 0.1)
    assert (iface.start_time, iface.end_time) == (0.0, pytest.approx(0.7))
    np.testing.assert_allclose(iface.times[7:9], [10.0, 10.1])
    rng = np.random.default_rng(0)
    for _ in range(50):
        a, b = sorted(rng.integers(-25, 25, 2))
        step = int(rng.choice([1, 2, -1, -3]))
        np.testing.assert_array_equal(iface[a:b:step], ref[a:b:step])
        i = int(rng.integers(-21, 21))
        np.testing.assert_array_equal(iface[i], ref[i])
        idx = rng.integers(0, 21, 5)
        np.testing.assert_array_equal(iface[idx], ref[idx])
        np.testing.assert_array_equal(iface[idx.tolist(), 1], ref[idx, 1])
    mask = rng.random(21) > 0.5
    np.testing.assert_array_equal(iface[mask], ref[mask])
    np.testing.assert_array_equal(iface[5:12, 0], ref[5:12, 0])
    np.testing.assert_array_equal(np.stack(list(iface)), ref)
    assert iface[[]].shape == (0, 2)
    with pytest.raises(IndexError):
        iface[21]
    assert "NeoSignalInterface: TsdFrame, shape=(21, 2)" in repr(iface)
    frame = nap.TsdFrame(t=iface.times, d=iface, load_array=False)
    np.testing.assert_array_equal(frame.values[:], ref)


def test_neo_signal_interface_rejects_other_objects():
    block = _block(1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        with pytest.raises(TypeError, match="not recognized"):
            nap.NeoSignalInterface(np.zeros(3), block)
