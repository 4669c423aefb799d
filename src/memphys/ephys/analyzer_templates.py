"""The ``templates`` extension: per-unit average, standard deviation, median and
percentiles (SpikeInterface 0.105's ``ComputeTemplates``, data keys ``average``, ``std``,
``median``, ``percentile_<q>``; dense float64 arrays, units x samples x channels).

From the ``waveforms`` extension when it exists (average and std from float64 moments
folded block by block with Chan et al.'s update, :mod:`memphys.ephys._waveform_numba`;
medians and percentiles unit by unit), else from ``random_spikes`` directly in one pass
over the spikes' windows (:mod:`memphys.ephys.analyzer_fused`). Merges weight templates by
spike counts; splits recompute them from the waveforms when present.

Examples
--------
>>> import memphys.ephys as si
>>> rec, sorting = si.generate_ground_truth_recording(durations=[5.0], num_units=2, seed=0)
>>> jk = {"progress_bar": False}
>>> an = si.create_sorting_analyzer(sorting, rec, sparse=False, job_kwargs=jk)
>>> an.compute(["random_spikes", "waveforms"], **jk)
>>> ext = an.compute("templates", operators=["average", ("percentile", 90.0)])
>>> sorted(ext.data)
['average', 'percentile_90.0']
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.ephys.analyzer_extension import AnalyzerExtension
from memphys.ephys.core_tools import ms_to_samples
from memphys.ephys.waveform_stores import row_blocks, take_rows
from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = ["ComputeTemplates"]


def _densify(analyzer: Any, arr: np.ndarray) -> np.ndarray:
    if analyzer.sparsity is None:
        return arr
    out = np.zeros((arr.shape[0], arr.shape[1], analyzer.get_num_channels()), dtype=arr.dtype)
    for i in range(arr.shape[0]):
        idx = np.flatnonzero(analyzer.sparsity.mask[i])
        out[i][:, idx] = arr[i][:, : idx.size]
    return out


def _operator_key(operator: Any) -> str:
    if isinstance(operator, str):
        return operator
    return f"percentile_{operator[1]}"


def _moments_from_waveforms(
    wfs: Any, units: np.ndarray, num_units: int, want_std: bool
) -> tuple[np.ndarray, ...]:
    from memphys.ephys import _waveform_numba as K

    counts, mean, m2 = K.empty_moments(num_units, int(wfs.shape[1]), int(wfs.shape[2]))
    for a, block in row_blocks(wfs):
        u = np.ascontiguousarray(units[a : a + len(block)], dtype=np.int64)
        present = np.unique(u)
        slot = np.zeros(num_units, dtype=np.int64)
        slot[present] = np.arange(present.size)
        cb = np.zeros(present.size, dtype=np.int64)
        mb = np.zeros((present.size, block.shape[1], block.shape[2]))
        m2b = np.zeros_like(mb) if want_std else np.zeros((present.size, 1, 1))
        blk = block if block.dtype.kind == "f" else block.astype(np.float32)
        K.block_moments(blk, u, slot, cb, mb, m2b, want_std)
        K.merge_moments(present, cb, mb, m2b, counts, mean, m2, want_std)
    return counts, mean, m2


class ComputeTemplates(AnalyzerExtension):
    """Per-unit templates (SpikeInterface's ``templates``).

    Parameters
    ----------
    ms_before, ms_after : float, default 1.0 and 2.0
        Taken from the ``waveforms`` extension when it exists.
    operators : list, default ["average", "std"]
        ``"average"``, ``"std"``, ``"median"``, ``"mad"`` or ``("percentile", q)``; all but
        average and std need the ``waveforms`` extension.
    """

    extension_name = "templates"
    _si_class_path = "spikeinterface.core.analyzer_extension_core.ComputeTemplates"
    depend_on = ["random_spikes|waveforms"]
    need_recording = False
    need_job_kwargs = True
    need_backward_compatibility_on_load = True

    def _handle_backward_compatibility_on_load(self) -> None:
        fs = self.sorting_analyzer.sampling_frequency
        assert self.params is not None
        if "ms_before" not in self.params:
            self.params["ms_before"] = self.params["nbefore"] * 1000.0 / fs
        if "ms_after" not in self.params:
            self.params["ms_after"] = self.params["nafter"] * 1000.0 / fs
        for key in list(self.data):
            if "pencentile" in key:
                self.data[key.replace("pencentile", "percentile")] = self.data.pop(key)

    def _set_params(  # type: ignore[override]
        self, ms_before: float = 1.0, ms_after: float = 2.0, operators: Any = None
    ) -> dict[str, Any]:
        operators = list(operators) if operators else ["average", "std"]
        for op in operators:
            if isinstance(op, str):
                if op not in ("average", "std", "median", "mad"):
                    raise ExtractorValueError(
                        f"You have entered an operator {op} in your `operators` argument which "
                        "is not supported. Please use any of ['average', 'std', 'median', "
                        "'mad'] instead."
                    )
            elif not (isinstance(op, list | tuple) and len(op) == 2 and op[0] == "percentile"):
                raise ExtractorValueError(
                    f"Invalid value for `operators`: expected names or ('percentile', q) pairs, "
                    f"but got {op!r}."
                )
        wf = self.sorting_analyzer.get_extension("waveforms")
        if wf is not None:
            ms_before, ms_after = wf.params["ms_before"], wf.params["ms_after"]
        return dict(operators=operators, ms_before=ms_before, ms_after=ms_after)

    @property
    def nbefore(self) -> int:
        assert self.params is not None
        return ms_to_samples(self.params["ms_before"], self.sorting_analyzer.sampling_frequency)

    @property
    def nafter(self) -> int:
        assert self.params is not None
        return ms_to_samples(self.params["ms_after"], self.sorting_analyzer.sampling_frequency)

    def _run(self, verbose: bool = False, **job_kwargs: Any) -> None:
        self.data.clear()
        assert self.params is not None
        if self.sorting_analyzer.has_extension("waveforms"):
            self._compute_and_append_from_waveforms(self.params["operators"])
            return
        bad = [op for op in self.params["operators"] if op not in ("average", "std")]
        if bad:
            raise ExtractorValueError(
                f"Computing templates with operators {bad} requires the 'waveforms' extension"
            )
        an = self.sorting_analyzer
        if not (an.has_recording() or an.has_temporary_recording()):
            raise ExtractorValueError(
                "Extension Templates requires the recording if Waveforms are not computed."
            )
        from memphys.ephys.analyzer_fused import compute_core_fused

        compute_core_fused(an, {"templates": self}, save=False, verbose=verbose, **job_kwargs)

    def _set_from_moments(self, counts: np.ndarray, mean: np.ndarray, m2: np.ndarray) -> None:
        assert self.params is not None
        an = self.sorting_analyzer
        ops = self.params["operators"]
        if "average" in ops:
            self.data["average"] = _densify(an, mean)
        if "std" in ops:
            n = np.maximum(counts, 1).astype(np.float64)[:, None, None]
            self.data["std"] = _densify(an, np.sqrt(np.maximum(m2, 0.0) / n))

    def _compute_and_append_from_waveforms(self, operators: Any) -> None:
        an = self.sorting_analyzer
        if not an.has_extension("waveforms"):
            raise ExtractorValueError(
                f"Computing templates with operators {operators} requires the 'waveforms' extension"
            )
        if not an.has_extension("random_spikes"):
            raise ExtractorValueError(
                "compute 'templates' requires the random_spikes extension. You can run "
                "sorting_analyzer.compute('random_spikes')"
            )
        wfs = an.get_extension("waveforms").data["waveforms"]
        some = an.get_extension("random_spikes").get_random_spikes()
        units = np.asarray(some["unit_index"])
        simple = [op for op in operators if op in ("average", "std")]
        if simple:
            counts, mean, m2 = _moments_from_waveforms(
                wfs, units, an.get_num_units(), "std" in simple
            )
            n = np.maximum(counts, 1).astype(np.float64)[:, None, None]
            if "average" in simple:
                self.data["average"] = _densify(an, mean)
            if "std" in simple:
                self.data["std"] = _densify(an, np.sqrt(np.maximum(m2, 0.0) / n))
        others = [op for op in operators if op not in ("average", "std")]
        if not others:
            return
        width = int(wfs.shape[2])
        arrays = {
            _operator_key(op): np.zeros((an.get_num_units(), int(wfs.shape[1]), width))
            for op in others
        }
        for u in range(an.get_num_units()):
            w = take_rows(wfs, units == u)
            if w.shape[0] == 0:
                continue
            for op in others:
                key = _operator_key(op)
                if op == "median":
                    arrays[key][u] = np.median(w, axis=0)
                elif op == "mad":
                    med = np.median(w, axis=0)
                    arrays[key][u] = np.median(np.abs(w - med), axis=0)
                else:
                    arrays[key][u] = np.percentile(w, float(op[1]), axis=0)
        for key, arr in arrays.items():
            self.data[key] = _densify(an, arr)

    def _select_units_extension_data(self, unit_ids: Any) -> dict[str, Any]:
        idx = self.sorting_analyzer.sorting.ids_to_indices(unit_ids)
        return {k: np.asarray(v)[idx] for k, v in self.data.items()}

    def _select_channels_extension_data(self, channel_ids: Any) -> dict[str, Any]:
        idx = self.sorting_analyzer.channel_ids_to_indices(channel_ids)
        return {k: np.asarray(v)[:, :, idx] for k, v in self.data.items()}

    def _merge_extension_data(
        self,
        merge_unit_groups: Any,
        new_unit_ids: Any,
        new_sorting_analyzer: Any,
        keep_mask: Any = None,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> dict[str, Any]:
        sorting = self.sorting_analyzer.sorting
        counts = sorting.count_num_spikes_per_unit()
        new_ids = list(np.asarray(new_unit_ids).tolist())
        out = {}
        for key, arr in self.data.items():
            arr = np.asarray(arr)
            res = np.zeros((len(new_sorting_analyzer.unit_ids), *arr.shape[1:]), dtype=arr.dtype)
            for i, u in enumerate(new_sorting_analyzer.unit_ids):
                uu = u.item() if isinstance(u, np.generic) else u
                if uu not in new_ids:
                    res[i] = arr[sorting.id_to_index(u)]
                    continue
                group = list(merge_unit_groups[new_ids.index(uu)])
                w = np.asarray([counts[g] for g in group], dtype=np.float64)
                w = w / w.sum() if w.sum() > 0 else np.full(len(group), 1.0 / len(group))
                res[i] = np.tensordot(w, arr[sorting.ids_to_indices(group)], axes=1)
                if new_sorting_analyzer.sparsity is not None:
                    mask = new_sorting_analyzer.sparsity.mask[i]
                    res[i][:, ~mask] = 0
            out[key] = res
        return out

    def _split_extension_data(
        self,
        split_units: Any,
        new_unit_ids: Any,
        new_sorting_analyzer: Any,
        verbose: bool = False,
        **job_kwargs: Any,
    ) -> dict[str, Any]:
        old = self.sorting_analyzer
        has_wf = new_sorting_analyzer.has_extension("waveforms")
        if not has_wf:
            warnings.warn(
                "Splitting templates without the 'waveforms' extension will simply copy the "
                "template of the unit that was split to the new split units. Compute the "
                "'waveforms' extension before splitting, or use 'hard' splitting mode.",
                ExtractorWarning,
                stacklevel=3,
            )
        split_ids = list(split_units)
        out = {}
        for key, arr in self.data.items():
            arr = np.asarray(arr)
            res = np.zeros((len(new_sorting_analyzer.unit_ids), *arr.shape[1:]), dtype=arr.dtype)
            new_list = list(np.asarray(new_sorting_analyzer.unit_ids).tolist())
            for u in old.unit_ids:
                uu = u.item() if isinstance(u, np.generic) else u
                if uu not in split_ids:
                    res[new_list.index(uu)] = arr[old.sorting.id_to_index(u)]
            for sid, news in zip(split_ids, new_unit_ids, strict=True):
                for nu in news:
                    j = new_sorting_analyzer.sorting.id_to_index(nu)
                    if has_wf:
                        wfs = new_sorting_analyzer.get_extension(
                            "waveforms"
                        ).get_waveforms_one_unit(nu, force_dense=True)
                        res[j] = _operator_value(key, wfs) if len(wfs) else 0
                    else:
                        res[j] = arr[old.sorting.id_to_index(sid)]
            out[key] = res
        return out

    def _get_data(
        self, operator: str = "average", percentile: float | None = None, outputs: str = "numpy"
    ) -> Any:
        return self.get_templates(
            operator=operator, percentile=percentile, outputs=outputs, save=False, _compute=False
        )

    def get_templates(
        self,
        unit_ids: Any = None,
        operator: str = "average",
        percentile: float | None = None,
        save: bool = True,
        outputs: str = "numpy",
        _compute: bool = True,
    ) -> Any:
        """Templates of ``operator`` (computed from the waveforms on demand and saved),
        as an array or a :class:`~memphys.ephys.Templates` (``outputs="Templates"``)."""
        from memphys.ephys._check import check_in
        from memphys.ephys.template import Templates

        check_in("outputs", outputs, ("numpy", "Templates"))
        if operator == "percentile":
            if percentile is None:
                raise ExtractorValueError(
                    "You must provide percentile=... if `operator='percentile'`"
                )
            key = f"percentile_{percentile}"
        else:
            key = operator
        if key not in self.data:
            if not _compute:
                raise ExtractorValueError(
                    f"You have entered `operator={key}`, but the only operators calculated are "
                    f"{list(self.data)}. Please use one of these as your `operator` in the "
                    "`get_data` function."
                )
            op: Any = operator if operator != "percentile" else ("percentile", percentile)
            self._compute_and_append_from_waveforms([op])
            assert self.params is not None
            self.params["operators"] = [*list(self.params["operators"]), op]
            if save and not self.sorting_analyzer.is_read_only():
                self.save()
        arr = self.data[key]
        an = self.sorting_analyzer
        if unit_ids is not None:
            arr = np.asarray(arr)[an.sorting.ids_to_indices(unit_ids)]
        else:
            unit_ids = an.unit_ids
        if outputs == "numpy":
            return arr
        probe = an.get_probe() if an.get_probegroup() is not None else None
        return Templates(
            templates_array=np.asarray(arr),
            sampling_frequency=an.sampling_frequency,
            nbefore=self.nbefore,
            channel_ids=an.channel_ids,
            unit_ids=np.asarray(unit_ids),
            probe=probe,
            is_in_uV=an.return_in_uV,
        )

    def get_unit_template(self, unit_id: Any, operator: str = "average") -> np.ndarray:
        """One unit's template (samples x channels)."""
        return np.array(self.data[operator][self.sorting_analyzer.sorting.id_to_index(unit_id)])

    def _compute_and_append_from_waveforms_data(
        self, operators: Any, wfs: Any, spikes: np.ndarray
    ) -> None:
        """Median / percentiles of waveforms just computed (not yet a saved extension)."""
        an = self.sorting_analyzer
        units = np.asarray(spikes["unit_index"])
        for op in operators:
            key = _operator_key(op)
            arr = np.zeros((an.get_num_units(), int(wfs.shape[1]), int(wfs.shape[2])))
            for u in range(an.get_num_units()):
                w = take_rows(wfs, units == u)
                if w.shape[0]:
                    arr[u] = _operator_value(key, w)
            self.data[key] = _densify(an, arr)


def _operator_value(key: str, wfs: np.ndarray) -> np.ndarray:
    if key == "average":
        return np.asarray(np.mean(wfs, axis=0, dtype=np.float64))
    if key == "std":
        return np.asarray(np.std(wfs, axis=0, dtype=np.float64))
    if key == "median":
        return np.asarray(np.median(wfs, axis=0))
    if key == "mad":
        med = np.median(wfs, axis=0)
        return np.asarray(np.median(np.abs(wfs - med), axis=0))
    return np.asarray(np.percentile(wfs, float(key.split("_", 1)[1]), axis=0))
