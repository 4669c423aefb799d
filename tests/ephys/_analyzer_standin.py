"""A small stand-in for SpikeInterface's ``SortingAnalyzer``, with only the public API the
bridges read (``get_extension("templates" | "waveforms" | "random_spikes")``, ``sparsity``,
``sorting``, ``unit_ids``, ``channel_ids``, ``sampling_frequency``).

The real analyzer lands with issue 14 (branch w14-analyzer); the tests that use this
stand-in should also run against it after the merge.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import numpy as np


class _Templates:
    def __init__(self, data: dict[str, np.ndarray], nbefore: int) -> None:
        self.data = data
        self.nbefore = nbefore

    def get_data(self, operator: str = "average", percentile: Any = None) -> np.ndarray:
        key = operator if operator != "percentile" else f"percentile_{percentile}"
        return self.data[key]


class _RandomSpikes:
    def __init__(self, spikes: np.ndarray) -> None:
        self._spikes = spikes

    def get_random_spikes(self) -> np.ndarray:
        return self._spikes


class _Waveforms:
    def __init__(self, analyzer: StandInAnalyzer, waveforms: np.ndarray, nbefore: int) -> None:
        self.analyzer = analyzer
        self.waveforms = waveforms
        self.nbefore = nbefore

    def get_waveforms_one_unit(self, unit_id: Any, force_dense: bool = False) -> np.ndarray:
        a = self.analyzer
        u = list(a.unit_ids.tolist()).index(unit_id)
        spikes = a.get_extension("random_spikes").get_random_spikes()
        wfs = self.waveforms[spikes["unit_index"] == u]
        if a.sparsity is not None:
            chans = a.sparsity.unit_id_to_channel_indices[unit_id]
            wfs = wfs[:, :, : chans.size]
            if force_dense:
                dense = np.zeros((*wfs.shape[:2], len(a.channel_ids)), dtype=wfs.dtype)
                dense[:, :, chans] = wfs
                wfs = dense
        return wfs


class StandInAnalyzer:
    """Templates (mean and std of the waveforms) and waveforms of a recording's spikes.

    Waveforms are read with ``get_traces`` around every spike of ``sorting`` (at most
    ``max_spikes`` per unit), ``nbefore``/``nafter`` samples; with ``sparse_channels`` (a
    dict unit -> channel indices) waveforms keep those channels first, as SpikeInterface
    stores sparse waveforms.
    """

    def __init__(
        self,
        recording: Any,
        sorting: Any,
        nbefore: int = 10,
        nafter: int = 20,
        max_spikes: int = 50,
        sparse_channels: dict[Any, np.ndarray] | None = None,
    ) -> None:
        self.recording = recording
        self.sorting = sorting
        self.unit_ids = np.asarray(sorting.unit_ids)
        self.channel_ids = np.asarray(recording.channel_ids)
        self.sampling_frequency = float(recording.get_sampling_frequency())
        spikes = sorting.to_spike_vector()
        n = recording.get_num_samples(0)
        ok = (spikes["sample_index"] >= nbefore) & (spikes["sample_index"] < n - nafter)
        keep = np.zeros(spikes.size, dtype=bool)
        for u in range(self.unit_ids.size):
            idx = np.flatnonzero(ok & (spikes["unit_index"] == u))[:max_spikes]
            keep[idx] = True
        chosen = spikes[keep]
        n_ch = len(self.channel_ids)
        wfs = np.zeros((chosen.size, nbefore + nafter, n_ch), dtype=np.float32)
        for i, s in enumerate(chosen):
            block = recording.get_traces(
                segment_index=int(s["segment_index"]),
                start_frame=int(s["sample_index"]) - nbefore,
                end_frame=int(s["sample_index"]) + nafter,
            ).astype(np.float32)
            if sparse_channels is not None:
                chans = sparse_channels[self.unit_ids[s["unit_index"]].item()]
                block = np.concatenate(
                    [block[:, chans], np.zeros((block.shape[0], n_ch - chans.size), np.float32)],
                    axis=1,
                )
            wfs[i] = block
        self.sparsity = (
            None
            if sparse_channels is None
            else SimpleNamespace(
                unit_id_to_channel_indices=sparse_channels,
                unit_id_to_channel_ids={u: self.channel_ids[c] for u, c in sparse_channels.items()},
            )
        )
        dense = np.zeros((self.unit_ids.size, nbefore + nafter, n_ch), dtype=np.float32)
        std = np.zeros_like(dense)
        for u in range(self.unit_ids.size):
            mine = chosen["unit_index"] == u
            w = wfs[mine]
            if sparse_channels is not None:
                chans = sparse_channels[self.unit_ids[u].item()]
                full = np.zeros((w.shape[0], w.shape[1], n_ch), np.float32)
                full[:, :, chans] = w[:, :, : chans.size]
                w = full
            if w.shape[0]:
                dense[u] = w.mean(axis=0)
                std[u] = w.std(axis=0)
        self._ext = {
            "random_spikes": _RandomSpikes(chosen),
            "waveforms": _Waveforms(self, wfs, nbefore),
            "templates": _Templates({"average": dense, "std": std}, nbefore),
        }

    def get_extension(self, name: str) -> Any:
        return self._ext.get(name)

    def get_num_channels(self) -> int:
        return len(self.channel_ids)
