"""`memphys info`: what a file or folder holds, from headers and metadata only."""

import numpy as np
import pytest
import zarr
from click.testing import CliRunner
from tests.cli._helpers import shared

import memphys as nap
from memphys.cli.main import main

# A Ts of one timestamp spans no time: its support is dropped with pynapple's warning
# "Some epochs have no duration" (tested in tests/core/test_ts.py); here such a Ts (an
# event, a unit with one spike) is incidental.
pytestmark = pytest.mark.filterwarnings(
    "ignore:Some epochs have no duration:memphys.errors.IntervalSetWarning"
)

RAW = ["--n-channels", "4", "--sampling-rate", "1000"]


def invoke(*args):
    return CliRunner().invoke(main, ["info", *map(str, args)])


@pytest.mark.parametrize("command", ["info", "convert", "filter", "demo"])
def test_help_of_every_command(command):
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0, result.output
    assert f" {command} [OPTIONS]" in result.output.splitlines()[0]
    assert "Show this message and exit." in result.output


def test_group_help_lists_every_command():
    result = CliRunner().invoke(main, ["--help"])
    for command in ("info", "convert", "filter", "demo"):
        assert f"  {command} " in result.output


def test_info_raw_binary(raw_file):
    path, _data = raw_file
    result = invoke(path, *RAW)
    assert result.exit_code == 0, result.output
    out = result.output
    assert "type          TsdFrame" in out
    assert "shape         (20000, 4)" in out
    assert "dtype         int16" in out
    assert "rate          1000 Hz" in out
    assert "[0, 20] s; 20 s in total" in out
    assert "numpy.memmap" in out
    assert "not read" in out
    assert f"{path.name}: .dat file, 160.0 kB" in out


def test_info_zarr_store_shows_codecs_and_ratio(raw_file, tmp_path):
    path, data = raw_file
    x = nap.load_file(path, n_channels=4, sampling_rate=1000.0)
    x.save(tmp_path / "x.zarr")
    result = invoke(tmp_path / "x.zarr")
    assert result.exit_code == 0, result.output
    assert "blosc(cname=zstd, clevel=5, shuffle=bitshuffle)" in result.output
    assert "zarr.Array (lazy" in result.output
    line = next(s for s in result.output.splitlines() if "compression ratio" in s)
    ratio = float(line.split()[-1])
    disk = sum(f.stat().st_size for f in (tmp_path / "x.zarr").rglob("*") if f.is_file())
    assert ratio == pytest.approx(data.nbytes / disk, abs=0.006)
    assert ratio > 1


def test_info_bare_zarr_array_and_npy(tmp_path):
    z = zarr.create_array(store=str(tmp_path / "a.zarr"), shape=(100, 3), dtype="f4")
    z[:] = 1.0
    result = invoke(tmp_path / "a.zarr")
    assert result.exit_code == 0, result.output
    assert "zarr array" in result.output
    assert "(100, 3)" in result.output
    result = invoke(tmp_path / "a.zarr", "--sampling-rate", "10")
    assert "type               TsdFrame" in result.output
    assert "rate               10 Hz" in result.output
    np.save(tmp_path / "v.npy", np.arange(50.0))
    result = invoke(tmp_path / "v.npy", "--rate", "5")
    assert result.exit_code == 0, result.output
    assert "type          Tsd" in result.output
    assert "(50,)" in result.output


def test_info_npz_objects_and_folder_tree(tmp_path):
    nap.IntervalSet(start=[0, 10], end=[5, 20]).save(tmp_path / "epochs.npz")
    group = nap.TsGroup({0: nap.Ts(t=[1.0, 2.0]), 1: nap.Ts(t=[3.0])})
    group.save(tmp_path / "units.npz")
    result = invoke(tmp_path / "epochs.npz")
    assert result.exit_code == 0, result.output
    assert "IntervalSet" in result.output
    assert "intervals  2" in result.output
    assert "15 s in total" in result.output
    result = invoke(tmp_path / "units.npz")
    assert "TsGroup" in result.output
    assert "units         2" in result.output
    result = invoke(tmp_path)
    assert result.exit_code == 0, result.output
    assert "epochs.npz  |  IntervalSet" in result.output
    assert "units.npz  |  TsGroup" in result.output


def test_info_errors_are_clear_and_exit_nonzero(raw_file, tmp_path):
    path, _ = raw_file
    missing = invoke(tmp_path / "nope.dat")
    assert missing.exit_code == 1
    assert "does not exist" in missing.output
    assert "Traceback" not in missing.output
    no_params = invoke(path)
    assert no_params.exit_code == 1
    assert "n_channels" in no_params.output
    assert "sampling_rate" in no_params.output
    wrong = invoke(path, "--n-channels", "7", "--sampling-rate", "1000")
    assert wrong.exit_code == 1
    assert "not a whole number" in wrong.output
    np.save(tmp_path / "v.npy", np.arange(5))
    misplaced = invoke(tmp_path / "v.npy", "--n-channels", "4")
    assert misplaced.exit_code == 1
    assert "--n-channels" in misplaced.output
    assert "raw" in misplaced.output
    nap.IntervalSet(start=0, end=1).save(tmp_path / "ep.npz")
    ignored = invoke(tmp_path / "ep.npz", "--sampling-rate", "100")
    assert ignored.exit_code == 1
    assert "--sampling-rate" in ignored.output
    (tmp_path / "x.zarr.partial").mkdir()
    partial = invoke(tmp_path / "x.zarr")
    assert partial.exit_code == 1
    assert "partial" in partial.output or "incomplete" in partial.output.lower()


@pytest.mark.realdata
def test_info_vendor_recording_streams():
    folder = shared("spikeglx_TEST_20210920_0_g0")
    result = invoke(folder)
    assert result.exit_code == 0, result.output
    line = next(s for s in result.output.splitlines() if s.strip().startswith("0:imec0.ap "))
    assert "(1000, 384)" in line
    assert "int16" in line
    assert " 30000 " in line
    assert "uV" in line
    assert "1:imec0.ap-SYNC" in result.output
    # the metadata warning is one line on stderr, not a traceback
    assert "Warning: SpikeGLX metadata" in result.output
    one = invoke(folder, "--stream", "0:imec0.ap")
    assert one.exit_code == 0, one.output
    assert "shape         (1000, 384)" in one.output
    bad = invoke(folder, "--stream", "nope")
    assert bad.exit_code == 1
    assert "'0:imec0.ap'" in bad.output
    assert "'nope'" in bad.output


@pytest.mark.realdata
def test_info_nwb_file_lists_objects():
    path = shared("nwb_pynapple_A8604-211122") / "A8604-211122.nwb"
    result = invoke(path)
    assert result.exit_code == 0, result.output
    assert "NWB file" in result.output
    assert "units" in result.output
    assert "TsGroup" in result.output
