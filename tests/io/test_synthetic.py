"""The synthetic recording writer used by the demo, tests and benchmarks."""

import numpy as np
import pytest

from memphys.errors import MemphysValueError
from memphys.io.synthetic import synthetic_block, write_synthetic_binary


def test_written_file_matches_generated_blocks(tmp_path):
    path = tmp_path / "rec.dat"
    rec = write_synthetic_binary(
        path, n_samples=70_001, n_channels=3, rate=1250.0, block_samples=10_000, seed=4
    )
    data = np.fromfile(path, dtype="int16").reshape(-1, 3)
    assert data.shape == rec.shape == (70_001, 3)
    expected = np.rint(np.clip(synthetic_block(0, 70_001, 3, 1250.0, seed=4), -32768, 32767))
    np.testing.assert_array_equal(data, expected.astype("int16"))
    assert not (tmp_path / "rec.dat.partial").exists()


def test_blocks_do_not_depend_on_split():
    whole = synthetic_block(1000, 140_000, 2, 30_000.0, seed=1)
    parts = np.concatenate(
        [
            synthetic_block(1000, 65_600, 2, 30_000.0, seed=1),
            synthetic_block(65_600, 140_000, 2, 30_000.0, seed=1),
        ]
    )
    np.testing.assert_array_equal(whole, parts)
    assert whole.std() > 10  # not a constant signal


def test_duration_and_float_dtype(tmp_path):
    rec = write_synthetic_binary(
        tmp_path / "f.dat", duration=2.0, n_channels=2, rate=100.0, dtype="float32"
    )
    assert rec.n_samples == 200
    assert rec.duration == 2.0
    assert (tmp_path / "f.dat").stat().st_size == 200 * 2 * 4


def test_interrupted_write_leaves_nothing(tmp_path):
    calls = []

    def progress(nbytes):
        calls.append(nbytes)
        if len(calls) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_synthetic_binary(
            tmp_path / "x.dat",
            n_samples=50_000,
            n_channels=2,
            block_samples=10_000,
            progress=progress,
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("kwargs", [{"n_channels": 0}, {"rate": float("nan")}, {"n_samples": -1}])
def test_bad_arguments(tmp_path, kwargs):
    args = {"n_samples": 10, "n_channels": 2, "rate": 10.0, **kwargs}
    with pytest.raises(MemphysValueError):
        write_synthetic_binary(tmp_path / "x.dat", **args)
