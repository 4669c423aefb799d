"""`memphys filter`: the output equals the library call; options and errors."""

import numpy as np
import pytest
from click.testing import CliRunner

import memphys as nap
from memphys.cli.main import main

RAW = ["--n-channels", "4", "--sampling-rate", "1000", "--no-progress"]


def invoke(*args):
    return CliRunner().invoke(main, ["filter", *map(str, args)])


def source(path):
    return nap.load_file(path, n_channels=4, sampling_rate=1000.0)


@pytest.mark.parametrize("suffix", [".npy", ".zarr"])
def test_bandpass_equals_library_call(raw_file, tmp_path, suffix):
    path, _ = raw_file
    dst = tmp_path / f"bp{suffix}"
    result = invoke(path, dst, "--band", "10", "30", *RAW, "--n-jobs", "2")
    assert result.exit_code == 0, result.output
    assert "band-pass 10-30 Hz, butter order 4" in result.output
    expected = nap.apply_bandpass_filter(source(path), (10, 30))
    got = nap.load_file(dst, rate=1000.0)
    assert got.values.dtype == np.float32
    np.testing.assert_allclose(np.asarray(got.values[:]), expected.values, rtol=0, atol=1e-4)
    np.testing.assert_allclose(got.t, expected.t)
    # the 20 Hz component survives, the result is not the input
    assert np.abs(expected.values[2000:-2000]).max() > 200


def test_low_high_and_sinc_options(raw_file, tmp_path):
    path, _ = raw_file
    x = source(path)
    cases = [
        (["--low", "50"], nap.apply_highpass_filter(x, 50.0), "high-pass above 50 Hz"),
        (["--high", "40", "--order", "2"], nap.apply_lowpass_filter(x, 40.0, order=2), "low-pass"),
        (
            ["--band", "10", "30", "--mode", "sinc"],
            nap.apply_bandpass_filter(x, (10, 30), mode="sinc"),
            "sinc",
        ),
        (["--band", "15", "25", "--stop"], nap.apply_bandstop_filter(x, (15, 25)), "band-stop"),
        (
            ["--low", "10", "--high", "30", "--out-dtype", "float64"],
            nap.apply_bandpass_filter(x, (10, 30), dtype="float64"),
            "band-pass 10-30",
        ),
    ]
    for k, (options, expected, text) in enumerate(cases):
        dst = tmp_path / f"f{k}.npy"
        result = invoke(path, dst, *options, *RAW)
        assert result.exit_code == 0, result.output
        assert text in result.output
        got = np.load(dst)
        assert got.dtype == expected.values.dtype
        np.testing.assert_allclose(got, expected.values, rtol=0, atol=1e-4)


def test_filter_errors_are_clear(raw_file, tmp_path):
    path, _ = raw_file
    no_band = invoke(path, tmp_path / "o.npy", *RAW)
    assert no_band.exit_code == 2
    assert "--band" in no_band.output
    both = invoke(path, tmp_path / "o.npy", "--band", "1", "5", "--low", "3", *RAW)
    assert both.exit_code == 2
    assert "not both" in both.output
    suffix = invoke(path, tmp_path / "o.dat", "--band", "1", "5", *RAW)
    assert suffix.exit_code == 2
    assert "'.zarr' or '.npy'" in suffix.output
    nyquist = invoke(path, tmp_path / "o.npy", "--band", "10", "600", *RAW)
    assert nyquist.exit_code == 1
    assert "Traceback" not in nyquist.output
    assert "600" in nyquist.output or "cutoff" in nyquist.output.lower()
    mode = invoke(path, tmp_path / "o.npy", "--band", "1", "5", "--mode", "fir", *RAW)
    assert mode.exit_code == 2
    assert "'butter'" in mode.output
    ivs = tmp_path / "ep.npz"
    nap.IntervalSet(start=0, end=1).save(ivs)
    wrong = invoke(ivs, tmp_path / "o.npy", "--band", "1", "5", "--no-progress")
    assert wrong.exit_code == 1
    assert "IntervalSet" in wrong.output
    assert not (tmp_path / "o.npy").exists()
    ok = invoke(path, tmp_path / "k.npy", "--band", "10", "30", *RAW)
    assert ok.exit_code == 0
    again = invoke(path, tmp_path / "k.npy", "--band", "10", "30", *RAW)
    assert again.exit_code == 1
    assert "--overwrite" in again.output
    forced = invoke(path, tmp_path / "k.npy", "--band", "10", "20", *RAW, "--overwrite")
    assert forced.exit_code == 0, forced.output
