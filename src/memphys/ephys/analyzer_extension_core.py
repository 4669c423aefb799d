"""The analyzer's core extensions: ``random_spikes``, ``waveforms``, ``templates``,
``noise_levels``, with SpikeInterface 0.105's parameters and data keys.

- ``random_spikes`` (``method="uniform"|"all"|"percentage"|"maximum_rate"``,
  ``max_spikes_per_unit=500``, ``margin_size``, ``seed``): ``random_spikes_indices``,
  positions in the spike vector (the same draws as SpikeInterface for a seed);
- ``waveforms`` (``ms_before=1``, ``ms_after=2``, ``dtype``): ``waveforms`` (spikes x
  samples x channels, sparse rows when the analyzer is sparse), written block by block to
  the analyzer's store (a ``.npy`` file, a zarr array, or memory);
- ``templates`` (``operators=["average", "std"]``, plus ``"median"`` and
  ``("percentile", q)`` from waveforms): dense float64 arrays ``average``, ``std``,
  ``median``, ``percentile_<q>``. From the ``waveforms`` when they exist (scanned in row
  blocks), else from ``random_spikes`` directly (average and std only);
- ``noise_levels`` (``get_noise_levels`` parameters; a seed is drawn and kept in
  ``random_slices_kwargs`` so a reload recomputes the same chunks): ``noise_levels``.

Averages and standard deviations are accumulated in float64 per unit and folded block by
block with Chan et al.'s update (:mod:`memphys.ephys._waveform_numba`): the standard
deviation stays right where a one-pass ``E[x²] - E[x]²`` in float32 loses every digit.

:func:`compute_core_fused` computes several of them from **one** pass over the recording
(:func:`memphys.ephys.waveform_pass.run_waveform_pass`): ``SortingAnalyzer.compute`` uses it
whenever a request holds more than one of ``waveforms``, ``templates`` and
``noise_levels``.

Examples
--------
>>> import memphys.ephys as si
>>> rec, sorting = si.generate_ground_truth_recording(durations=[5.0], num_units=3, seed=0)
>>> jk = {"progress_bar": False}
>>> an = si.create_sorting_analyzer(sorting, rec, sparse=False, job_kwargs=jk)
>>> an.compute(["random_spikes", "waveforms", "templates", "noise_levels"], **jk)
>>> an.get_extension("templates").get_data().shape
(3, 75, 4)
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from memphys.ephys.analyzer_extension import AnalyzerExtension, register_result_extension
from memphys.ephys.analyzer_templates import ComputeTemplates
from memphys.ephys.core_tools import ms_to_samples
from memphys.ephys.waveform_stores import materialize, row_blocks, take_rows
from memphys.errors import ExtractorValueError

__all__ = [
    "ComputeRandomSpikes",
    "ComputeWaveforms",
    "ComputeTemplates",
    "ComputeNoiseLevels",
    "BaseSpikeVectorExtension",
    "compute_random_spikes",
    "compute_waveforms",
    "compute_templates",
    "compute_noise_levels",
]


def _mapped_rows(analyzer: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """During a curation (``analyzer._position_map`` set): which random-spike rows survive,
    in the new spike vector's order, and their new positions."""
    pmap = getattr(analyzer, "_position_map", None)
    if pmap is None:
        return None
    old = np.asarray(analyzer.get_extension("random_spikes").data["random_spikes_indices"])
    new = np.asarray(pmap)[old]
    rows = np.flatnonzero(new >= 0)
    order = np.argsort(new[rows], kind="stable")
    return rows[order], new[rows][order]


def _ensure_seed(seed: Any) -> int:
    if seed is None:
        seed = np.random.default_rng(seed=None).integers(0, 2**63)
    return int(seed)


# ---------------------------------------------------------------- random spikes
class ComputeRandomSpikes(AnalyzerExtension):
    """Select random spikes per unit (SpikeInterface's ``random_spikes``).

    Parameters
    ----------
    method : {"uniform", "all", "percentage", "maximum_rate"}, default "uniform"
    max_spikes_per_unit : int, default 500
    margin_size : int, optional
        Samples to avoid at segment borders.
    seed : int, optional
    percentage, maximum_rate : float, optional
        For the methods of those names.
    """

    extension_name = "random_spikes"
    _si_class_path = "spikeinterface.core.analyzer_extension_core.ComputeRandomSpikes"
    depend_on: ClassVar[list[str]] = []
    need_recording = False
    need_job_kwargs = False

    def _set_params(  # type: ignore[override]
        self,
        method: str = "uniform",
        max_spikes_per_unit: int = 500,
        margin_size: int | None = None,
        seed: int | None = None,
        percentage: float | None = None,
        maximum_rate: float | None = None,
    ) -> dict[str, Any]:
        from memphys.ephys._check import check_in

        check_in("method", method, ("uniform", "all", "percentage", "maximum_rate"))
        params: dict[str, Any] = dict(
            method=method,
            max_spikes_per_unit=max_spikes_per_unit,
            margin_size=margin_size,
            seed=seed,
        )
        if method == "percentage":
            params["percentage"] = percentage
        if method == "maximum_rate":
            params["maximum_rate"] = maximum_rate
        return params

    def _run(self, verbose: bool = False, **kwargs: Any) -> None:
        from memphys.ephys.spike_selection import random_spikes_selection

        self.data["random_spikes_indices"] = random_spikes_selection(
            self.sorting_analyzer.sorting,
            num_samples=self.sorting_analyzer.rec_attributes["num_samples"],
            **(self.params or {}),
        )

    def _select_units_extension_data(self, unit_ids: Any) -> dict[str, Any]:
        mapped = _mapped_rows(self.sorting_analyzer)
        if mapped is not None:
            return {"random_spikes_indices": mapped[1]}
        sorting = self.sorting_analyzer.sorting
        spikes = sorting.to_spike_vector()
        keep = np.isin(spikes["unit_index"], sorting.ids_to_indices(unit_ids))
        selected = np.zeros(spikes.size, dtype=bool)
        selected[np.asarray(self.data["random_spikes_indices"])] = True
        return {"random_spikes_indices": np.flatnonzero(selected[keep])}

    def _merge_extension_data(
        self,
        merge_unit_groups: Any,
        new_unit_ids: Any,
        new_sorting_analyzer: Any,
        keep_mask: Any = None,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> dict[str, Any]:
        mapped = _mapped_rows(self.sorting_analyzer)
        if mapped is not None:
            return {"random_spikes_indices": mapped[1]}
        idx = np.asarray(self.data["random_spikes_indices"])
        if keep_mask is None:
            return {"random_spikes_indices": idx.copy()}
        spikes = self.sorting_analyzer.sorting.to_spike_vector()
        selected = np.zeros(spikes.size, dtype=bool)
        selected[idx] = True
        return {"random_spikes_indices": np.flatnonzero(selected[np.asarray(keep_mask)])}

    def _split_extension_data(
        self,
        split_units: Any,
        new_unit_ids: Any,
        new_sorting_analyzer: Any,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> dict[str, Any]:
        mapped = _mapped_rows(self.sorting_analyzer)
        if mapped is not None:
            return {"random_spikes_indices": mapped[1]}
        return {"random_spikes_indices": np.asarray(self.data["random_spikes_indices"]).copy()}

    def _get_data(self) -> np.ndarray:
        return np.asarray(self.data["random_spikes_indices"])

    _some_spikes: np.ndarray | None = None

    def get_random_spikes(self) -> np.ndarray:
        """The selected spikes (a slice of the spike vector, cached)."""
        if getattr(self, "_some_spikes", None) is None:
            spikes = self.sorting_analyzer.sorting.to_spike_vector()
            self._some_spikes = np.asarray(spikes[np.asarray(self.data["random_spikes_indices"])])
        assert self._some_spikes is not None
        return self._some_spikes

    def set_data(self, ext_data_name: str, ext_data: Any) -> None:
        self._some_spikes = None
        super().set_data(ext_data_name, ext_data)

    def get_selected_indices_in_spike_train(self, unit_id: Any, segment_index: int) -> np.ndarray:
        """Positions, in ``unit_id``'s train of a segment, of its selected spikes."""
        sorting = self.sorting_analyzer.sorting
        u = sorting.id_to_index(unit_id)
        spikes = sorting.to_spike_vector()
        in_train = np.flatnonzero(
            (spikes["segment_index"] == segment_index) & (spikes["unit_index"] == u)
        )
        _, left, _ = np.intersect1d(
            in_train, np.asarray(self.data["random_spikes_indices"]), return_indices=True
        )
        return left


# --------------------------------------------------------------------- waveforms
class ComputeWaveforms(AnalyzerExtension):
    """Waveforms of the random spikes (SpikeInterface's ``waveforms``).

    Parameters
    ----------
    ms_before, ms_after : float, default 1.0 and 2.0
    dtype : dtype, optional
        Default: float32 when the analyzer is in µV, else the recording's dtype.
    """

    extension_name = "waveforms"
    _si_class_path = "spikeinterface.core.analyzer_extension_core.ComputeWaveforms"
    depend_on = ["random_spikes"]
    need_recording = True
    need_job_kwargs = True

    @property
    def nbefore(self) -> int:
        assert self.params is not None
        return ms_to_samples(self.params["ms_before"], self.sorting_analyzer.sampling_frequency)

    @property
    def nafter(self) -> int:
        assert self.params is not None
        return ms_to_samples(self.params["ms_after"], self.sorting_analyzer.sampling_frequency)

    def _set_params(  # type: ignore[override]
        self, ms_before: float = 1.0, ms_after: float = 2.0, dtype: Any = None
    ) -> dict[str, Any]:
        an = self.sorting_analyzer
        for name, v in (("ms_before", ms_before), ("ms_after", ms_after)):
            if isinstance(v, bool) or not np.isfinite(float(v)) or float(v) < 0:
                raise ExtractorValueError(
                    f"Invalid value for `{name}`: expected a duration >= 0 in ms, but got {v!r}."
                )
        if dtype is None:
            dtype = an.get_dtype()
        dt = np.dtype(dtype)
        if np.issubdtype(dt, np.integer) and an.return_in_uV:
            dt = np.dtype("float32")
        return dict(ms_before=float(ms_before), ms_after=float(ms_after), dtype=dt.str)

    def _run(self, verbose: bool = False, **job_kwargs: Any) -> None:
        from memphys.ephys.analyzer_fused import compute_core_fused

        compute_core_fused(
            self.sorting_analyzer,
            {"waveforms": self},
            save=self._save_to_disk,
            verbose=verbose,
            **job_kwargs,
        )

    def _spike_mask(self, unit_ids: Any) -> np.ndarray:
        some = self.sorting_analyzer.get_extension("random_spikes").get_random_spikes()
        keep = self.sorting_analyzer.sorting.ids_to_indices(unit_ids)
        return np.asarray(np.isin(some["unit_index"], keep))

    def _select_units_extension_data(self, unit_ids: Any) -> dict[str, Any]:
        mapped = _mapped_rows(self.sorting_analyzer)
        rows = mapped[0] if mapped is not None else self._spike_mask(unit_ids)
        return {"waveforms": take_rows(self.data["waveforms"], rows)}

    def _select_channels_extension_data(self, channel_ids: Any) -> dict[str, Any]:
        return {
            "waveforms": _select_channels_sparse(
                self.sorting_analyzer, self.data["waveforms"], channel_ids
            )
        }

    def _merge_extension_data(
        self,
        merge_unit_groups: Any,
        new_unit_ids: Any,
        new_sorting_analyzer: Any,
        keep_mask: Any = None,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> dict[str, Any]:
        rs = self.sorting_analyzer.get_extension("random_spikes")
        some = rs.get_random_spikes()
        wfs = self.data["waveforms"]
        mapped = _mapped_rows(self.sorting_analyzer)
        if mapped is not None:
            some = some[mapped[0]]
            wfs = take_rows(wfs, mapped[0])
        elif keep_mask is not None:
            valid = np.asarray(keep_mask)[rs.get_data()]
            some = some[valid]
            wfs = take_rows(wfs, valid)
        else:
            wfs = materialize(wfs)
        old = self.sorting_analyzer.sparsity
        if old is not None:
            sorting = self.sorting_analyzer.sorting
            for group_ids in merge_unit_groups:
                idx = sorting.ids_to_indices(group_ids)
                masks = old.mask[idx]
                common = np.all(masks, axis=0)
                for k, u in enumerate(idx):
                    sel = np.flatnonzero(some["unit_index"] == u)
                    keep = common[masks[k]]
                    part = wfs[sel][:, :, : int(masks[k].sum())][:, :, keep]
                    wfs[sel] = 0
                    wfs[sel, :, : part.shape[2]] = part
            new_width = int(new_sorting_analyzer.sparsity.max_num_active_channels)
            if new_width < wfs.shape[2]:
                wfs = wfs[:, :, :new_width]
        return {"waveforms": wfs}

    def _split_extension_data(
        self,
        split_units: Any,
        new_unit_ids: Any,
        new_sorting_analyzer: Any,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> dict[str, Any]:
        mapped = _mapped_rows(self.sorting_analyzer)
        if mapped is not None:
            return {"waveforms": take_rows(self.data["waveforms"], mapped[0])}
        return {"waveforms": materialize(self.data["waveforms"])}

    def get_waveforms_one_unit(self, unit_id: Any, force_dense: bool = False) -> np.ndarray:
        """``unit_id``'s waveforms (its sparse channels, or all with ``force_dense``)."""
        an = self.sorting_analyzer
        u = an.sorting.id_to_index(unit_id)
        some = an.get_extension("random_spikes").get_random_spikes()
        wfs = take_rows(self.data["waveforms"], some["unit_index"] == u)
        if an.sparsity is not None:
            chans = an.sparsity.unit_id_to_channel_indices[unit_id]
            wfs = wfs[:, :, : chans.size]
            if force_dense:
                dense = np.zeros(
                    (wfs.shape[0], wfs.shape[1], an.get_num_channels()), dtype=wfs.dtype
                )
                dense[:, :, chans] = wfs
                wfs = dense
        return wfs

    def _get_data(self) -> Any:
        return self.data["waveforms"]


def _select_channels_sparse(analyzer: Any, old: Any, channel_ids: Any) -> np.ndarray:
    """Sparse waveform rows after keeping only ``channel_ids``."""
    sparsity = analyzer.sparsity
    some = analyzer.get_extension("random_spikes").get_random_spikes()
    if sparsity is None:
        idx = analyzer.channel_ids_to_indices(channel_ids)
        return np.asarray(old[...])[:, :, idx]
    per_unit = []
    wanted = list(np.asarray(channel_ids).tolist())
    for u in analyzer.unit_ids:
        chans = list(np.asarray(sparsity.unit_id_to_channel_ids[u]).tolist())
        per_unit.append(np.asarray([chans.index(c) for c in wanted if c in chans], dtype=int))
    width = max((p.size for p in per_unit), default=0)
    out = np.zeros((old.shape[0], old.shape[1], width), dtype=old.dtype)
    for a, block in row_blocks(old):
        units = some["unit_index"][a : a + len(block)]
        for k in range(len(block)):
            sl = per_unit[int(units[k])]
            out[a + k, :, : sl.size] = block[k][:, sl]
    return out


# ------------------------------------------------------------------ noise levels
class ComputeNoiseLevels(AnalyzerExtension):
    """Per-channel noise levels (SpikeInterface's ``noise_levels``; parameters of
    :func:`memphys.ephys.get_noise_levels`)."""

    extension_name = "noise_levels"
    _si_class_path = "spikeinterface.core.analyzer_extension_core.ComputeNoiseLevels"
    depend_on: ClassVar[list[str]] = []
    need_recording = True
    need_job_kwargs = True
    need_backward_compatibility_on_load = True

    def _set_params(self, **noise_level_params: Any) -> dict[str, Any]:
        params = dict(noise_level_params)
        rs = dict(params.get("random_slices_kwargs") or {})
        rs["seed"] = _ensure_seed(rs.get("seed"))
        params["random_slices_kwargs"] = rs
        return params

    def _run(self, verbose: bool = False, **job_kwargs: Any) -> None:
        from memphys.ephys.analyzer_fused import compute_core_fused

        compute_core_fused(
            self.sorting_analyzer,
            {"noise_levels": self},
            save=False,
            verbose=verbose,
            **job_kwargs,
        )

    def _select_units_extension_data(self, unit_ids: Any) -> dict[str, Any]:
        return {"noise_levels": np.array(self.data["noise_levels"])}

    def _select_channels_extension_data(self, channel_ids: Any) -> dict[str, Any]:
        idx = self.sorting_analyzer.channel_ids_to_indices(channel_ids)
        return {"noise_levels": np.asarray(self.data["noise_levels"])[idx]}

    def _merge_extension_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"noise_levels": np.array(self.data["noise_levels"])}

    def _split_extension_data(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"noise_levels": np.array(self.data["noise_levels"])}

    def _get_data(self) -> np.ndarray:
        return np.asarray(self.data["noise_levels"])

    def _handle_backward_compatibility_on_load(self) -> None:
        assert self.params is not None
        for key in ("num_chunks_per_segment", "chunk_size", "seed"):
            if key in self.params:
                self.params.setdefault("random_slices_kwargs", {})[key] = self.params.pop(key)


class BaseSpikeVectorExtension(AnalyzerExtension):
    """Base of SpikeInterface's per-spike extensions computed with node pipelines
    (``spike_amplitudes``, ...). memphys.ephys has no node pipeline: subclasses that need
    one raise a clear error when computed."""

    need_recording = True
    use_nodepipeline = True
    need_job_kwargs = True
    nodepipeline_variables: ClassVar[list[str] | None] = None

    def _set_params(self, **kwargs: Any) -> dict[str, Any]:
        return dict(kwargs)

    def _run(self, verbose: bool = False, **job_kwargs: Any) -> None:
        raise NotImplementedError(
            "node pipelines (spikeinterface.core.node_pipeline) are not provided by memphys.ephys"
        )

    def _get_data(self, *args: Any, **kwargs: Any) -> Any:
        return self.data[(self.nodepipeline_variables or [""])[0]]

    def _select_units_extension_data(self, unit_ids: Any) -> dict[str, Any]:
        spikes = self.sorting_analyzer.sorting.to_spike_vector()
        keep = np.isin(spikes["unit_index"], self.sorting_analyzer.sorting.ids_to_indices(unit_ids))
        return {k: np.asarray(v)[keep] for k, v in self.data.items()}


compute_random_spikes = ComputeRandomSpikes.function_factory()
compute_waveforms = ComputeWaveforms.function_factory()
compute_templates = ComputeTemplates.function_factory()
compute_noise_levels = ComputeNoiseLevels.function_factory()
for _cls in (ComputeRandomSpikes, ComputeWaveforms, ComputeTemplates, ComputeNoiseLevels):
    register_result_extension(_cls)
del _cls
