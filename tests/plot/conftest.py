"""Fixtures of the figure tests: headless matplotlib, figures closed after each test, and
a minimal fake sorting analyzer with known templates (SpikeInterface 0.105's public API:
``unit_ids``, ``channel_ids``, ``get_channel_locations``, ``sampling_frequency``,
``sparsity.mask``, ``get_extension(name)`` with ``get_data`` / ``nbefore`` /
``get_waveforms_one_unit``)."""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    import matplotlib.pyplot as plt

    plt.close("all")


class FakeSparsity:
    def __init__(self, mask: np.ndarray, unit_ids: Any, channel_ids: Any) -> None:
        self.mask = mask
        self.unit_ids = np.asarray(unit_ids)
        self.channel_ids = np.asarray(channel_ids)


class FakeTemplates:
    def __init__(self, average: np.ndarray, std: np.ndarray, nbefore: int) -> None:
        self._data = {"average": average, "std": std}
        self.nbefore = nbefore
        self.params = {"ms_before": 1.0, "ms_after": 2.0, "operators": ["average", "std"]}

    def get_data(self, operator: str = "average", outputs: str = "numpy") -> np.ndarray:
        return self._data[operator]


class FakeWaveforms:
    def __init__(self, per_unit: dict[Any, np.ndarray], nbefore: int) -> None:
        self.per_unit = per_unit
        self.nbefore = nbefore

    def get_waveforms_one_unit(self, unit_id: Any, force_dense: bool = False) -> np.ndarray:
        return self.per_unit[unit_id]


class FakeAnalyzer:
    """4 units on 8 channels of a 2-column probe (pitch 20 µm), 30 kHz, templates of 90
    samples (nbefore 30), each unit's sparsity its 4 channels nearest to its peak."""

    def __init__(self, sparse: bool = True, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.unit_ids = np.array(["a", "b", "c", "d"])
        self.channel_ids = np.array([f"ch{i}" for i in range(8)])
        self.sampling_frequency = 30000.0
        self.locations = np.column_stack([np.tile([0.0, 20.0], 4), np.repeat([0, 20, 40, 60], 2)])
        n_samples, nbefore = 90, 30
        t = np.arange(n_samples) - nbefore
        shape = -np.exp(-0.5 * (t / 3.0) ** 2) + 0.3 * np.exp(-0.5 * ((t - 12) / 6.0) ** 2)
        peaks = np.array([0, 3, 5, 6])
        dist = np.linalg.norm(self.locations[:, None] - self.locations[peaks][None], axis=2).T
        amp = 50.0 * np.exp(-dist / 25.0) * (1 + np.arange(4))[:, None]
        self.average = amp[:, None, :] * shape[None, :, None]  # (4, 90, 8)
        self.std = np.abs(self.average) * 0.1 + 1.0
        mask = np.zeros((4, 8), dtype=bool)
        for u in range(4):
            mask[u, np.argsort(dist[u], kind="stable")[:4]] = True
        self.sparsity = FakeSparsity(mask, self.unit_ids, self.channel_ids) if sparse else None
        per_unit = {}
        for u, uid in enumerate(self.unit_ids):
            n_spikes = 20 + 10 * u
            wf = self.average[u][None] + rng.normal(0, 5.0, (n_spikes, n_samples, 8))
            per_unit[uid] = wf[:, :, mask[u]] if sparse else wf
        self._ext = {
            "templates": FakeTemplates(self.average, self.std, nbefore),
            "waveforms": FakeWaveforms(per_unit, nbefore),
        }

    def get_channel_locations(self) -> np.ndarray:
        return self.locations

    def get_extension(self, name: str) -> Any:
        return self._ext.get(name)


@pytest.fixture
def fake_analyzer() -> FakeAnalyzer:
    return FakeAnalyzer()


@pytest.fixture
def dense_fake_analyzer() -> FakeAnalyzer:
    return FakeAnalyzer(sparse=False)
