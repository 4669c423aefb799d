"""The acquisition face on the command line (cli/ephys.py): probes and unit counts in
`memphys info`, `memphys convert --to nwb` (a raw file, a SpikeGLX stream with its probe)."""

import numpy as np
import pytest
from click.testing import CliRunner
from tests.cli._helpers import shared

import memphys as nap
import memphys.ephys as si
from memphys.cli.ephys import probe_rows
from memphys.cli.main import main

RAW = ["--n-channels", "4", "--sampling-rate", "1000", "--no-progress"]


def invoke(*args):
    return CliRunner().invoke(main, [*map(str, args)])


def test_probe_rows_of_a_staggered_multi_shank_probe():
    import probeinterface as pi

    probe = pi.generate_multi_shank(
        num_shank=2, num_columns=2, num_contact_per_column=4, ypitch=25.0
    )
    probe.set_device_channel_indices(np.arange(16))
    rec = si.NumpyRecording(np.zeros((100, 16), "int16"), 1000.0)
    rec.set_probe(probe)
    assert dict(probe_rows(rec)) == {"contacts": "16", "shanks": "2", "pitch": "25 um"}
    bare = si.NumpyRecording(np.zeros((10, 3), "int16"), 1000.0)
    assert probe_rows(bare) == []
    bare.set_property("location", np.array([[0.0, 0.0], [0.0, 10.0], [5.0, 30.0]]))
    assert dict(probe_rows(bare))["pitch"] == "10 um"


def test_convert_raw_to_nwb_and_info(raw_file, tmp_path):
    path, data = raw_file
    dst = tmp_path / "rec.nwb"
    result = invoke("convert", path, dst, *RAW, "--to", "nwb", "--chunk-duration", "2s")
    assert result.exit_code == 0, result.output
    assert "ElectricalSeries 20000 x 4 int16" in result.output
    back = si.read_nwb_recording(dst)
    np.testing.assert_array_equal(back.get_traces(), data)
    assert back.get_sampling_frequency() == 1000.0
    bad = invoke("convert", path, tmp_path / "x.nwb", *RAW, "--compressor", "lz4")
    assert bad.exit_code != 0
    assert "gzip or none" in bad.output

    sorting = si.NumpySorting.from_unit_dict({1: np.array([5, 50]), 2: np.array([7])}, 1000.0)
    si.write_sorting_to_nwb(sorting, dst)
    info = invoke("info", dst)
    assert info.exit_code == 0, info.output
    assert "acquisition/ElectricalSeries  4 channels; no channel locations" in info.output
    assert "units                         sorting, 2 units" in info.output


@pytest.mark.realdata
def test_info_and_convert_spikeglx_with_probe(tmp_path):
    folder = shared("spikeglx_Noise4Sam_g0")
    info = invoke("info", folder)
    assert info.exit_code == 0, info.output
    assert "probe of stream 'imec0.ap'" in info.output
    assert "contacts  384" in info.output
    assert "pitch     20 um" in info.output  # Neuropixels 1.0: staggered columns, 20 um rows
    dst = tmp_path / "ap.nwb"
    result = invoke("convert", folder, dst, "--stream", "0:imec0.ap", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "probe contacts  384" in result.output
    with pytest.warns(UserWarning, match="SpikeGLX metadata"):  # a truncated stub
        source = si.read_spikeglx(folder, stream_id="imec0.ap")
    back = si.read_nwb_recording(dst)
    np.testing.assert_array_equal(back.get_traces(), source.get_traces())
    np.testing.assert_allclose(back.get_channel_gains(), source.get_channel_gains())
    np.testing.assert_array_equal(back.get_channel_locations(), source.get_channel_locations())
    assert back.get_channel_ids().tolist() == source.get_channel_ids().tolist()
    assert nap.load_file(dst)["ElectricalSeries"].shape == (source.get_num_samples(), 384)
