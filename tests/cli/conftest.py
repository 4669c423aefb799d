"""Shared fixtures of the command-line tests: small generated recordings."""

import numpy as np
import pytest


@pytest.fixture
def raw_file(tmp_path):
    """A 4-channel int16 raw file (20,000 samples at 1 kHz), with its samples."""
    rng = np.random.default_rng(1)
    t = np.arange(20_000) / 1000.0
    x = 300 * np.sin(2 * np.pi * 20 * t)[:, None] + rng.normal(0, 40, (20_000, 4))
    data = np.rint(x).astype(np.int16)
    path = tmp_path / "rec.dat"
    data.tofile(path)
    return path, data
