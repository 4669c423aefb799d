"""Creating a SortingAnalyzer: ``create_sorting_analyzer`` (SpikeInterface 0.105's
signature), with its checks and its estimates.

A sorting and a recording must agree: the same number of segments and sampling rates
(equal up to float rounding: a warning, the recording's rate is kept), and a sorting
registered to another recording must have that recording's lengths. Spikes past the end of
the recording are removed with SpikeInterface's warning; windows reaching past a segment's
border are zero-padded by every extension (never read out of bounds). Main channels come
from the argument, the sorting's ``main_channel_id`` property, or an estimate from 100
spikes per unit whose windows alone are read; the default sparsity is a 100 µm radius
around them (no traces read). In memory, the analyzer keeps a lazy sorting lazy (a unit
selection view with its own metadata) until an extension needs the spike vector.

Examples
--------
>>> import memphys.ephys as si
>>> rec, sorting = si.generate_ground_truth_recording(num_channels=4, num_units=3, seed=0)
>>> jk = {"progress_bar": False}
>>> si.create_sorting_analyzer(sorting, rec, sparse=False, job_kwargs=jk).is_sparse()
False
>>> rec2 = si.generate_recording(num_channels=4, sampling_frequency=20000.0, durations=[10.0])
>>> si.create_sorting_analyzer(sorting, rec2)
Traceback (most recent call last):
...
memphys.errors.ExtractorValueError: Sorting and Recording sampling frequencies are too ...
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import numpy as np

from memphys.engine.targets import check_replaceable
from memphys.ephys._check import check_in
from memphys.ephys.sparsity import ChannelSparsity
from memphys.errors import ExtractorValueError, ExtractorWarning, MemphysFutureWarning

__all__ = ["create_sorting_analyzer", "main_channels_without_property"]

_SIGNS = ("both", "neg", "pos")
_MODES = ("extremum", "at_index", "peak_to_peak")


def _need(cond: bool, msg: str) -> None:
    if not cond:
        raise ExtractorValueError(msg)


def _zarr_name(folder: Any) -> Path:
    p = Path(folder)
    return p if p.suffix == ".zarr" else p.with_name(p.name + ".zarr")


def _rec_attributes(recording: Any) -> dict[str, Any]:
    from memphys.ephys.recording_tools import get_rec_attributes

    attrs = get_rec_attributes(recording)
    attrs["probegroup"] = recording.get_probegroup() if recording.has_probe() else None
    return attrs


def _remove_excess_spikes(sorting: Any, recording: Any) -> Any:
    from memphys.ephys.numpysorting import NumpySorting

    spikes = sorting.to_spike_vector()
    n = np.asarray([recording.get_num_samples(s) for s in range(recording.get_num_segments())])
    keep = (spikes["sample_index"] >= 0) & (spikes["sample_index"] < n[spikes["segment_index"]])
    out = NumpySorting(
        np.array(spikes[keep]),
        sorting.sampling_frequency,
        sorting.unit_ids,
        num_segments=sorting.get_num_segments(),
    )
    sorting.copy_metadata(out)
    return out


def _memory_sorting(sorting: Any) -> Any:
    """The analyzer's own sorting object for the memory format: shares the spike vector of
    an in-memory sorting, keeps a lazy one lazy (its metadata copied)."""
    from memphys.ephys.numpysorting import NumpySorting

    if getattr(sorting, "_cached_spike_vector", None) is not None or sorting._holds_vector():
        return NumpySorting.from_sorting(sorting, with_metadata=True)
    return sorting.select_units(sorting.unit_ids)


def create_sorting_analyzer(
    sorting: Any,
    recording: Any,
    format: str = "memory",
    folder: str | Path | None = None,
    main_channel_indices: Any = None,
    lazy: bool = False,
    peak_sign: str = "both",
    peak_mode: str = "extremum",
    num_spikes_for_main_channel: int = 100,
    seed: int | None = None,
    sparse: bool = True,
    sparsity: ChannelSparsity | None = None,
    set_sparsity_by_dict_key: bool = False,
    return_in_uV: bool = True,
    overwrite: bool = False,
    backend_options: dict[str, Any] | None = None,
    sparsity_kwargs: dict[str, Any] | None = None,
    job_kwargs: dict[str, Any] | None = None,
    **extra_kwargs: Any,
) -> Any:
    """Pair a sorting with its recording (SpikeInterface 0.105's signature).

    Main channels come from ``main_channel_indices``, the sorting's ``main_channel_id``
    property, or are estimated from ``num_spikes_for_main_channel`` spikes per unit (their
    windows only are read). With ``sparse=True`` (and no ``sparsity``) a sparsity is
    estimated (radius 100 µm around the main channel by default; ``sparsity_kwargs``).
    Sorting and recording dicts (same keys) are aggregated. Loose sparsity or job keywords
    are accepted with SpikeInterface's FutureWarning; ``return_scaled`` is
    ``return_in_uV``'s former name.

    Raises
    ------
    memphys.errors.ExtractorValueError
        On an unknown format, a missing folder, an existing folder without ``overwrite``,
        different sampling rates or segment counts, a sparsity whose ids do not match.
    """
    from memphys.ephys.job_tools import fix_job_kwargs, split_job_kwargs
    from memphys.ephys.waveform_pass import prefer_threads

    check_in("format", format, ("memory", "binary_folder", "zarr"))
    check_in("peak_sign", peak_sign, _SIGNS)
    check_in("peak_mode", peak_mode, _MODES)
    if "return_scaled" in extra_kwargs:
        return_in_uV = bool(extra_kwargs.pop("return_scaled"))
    if format != "memory":
        _need(folder is not None, "For format='binary_folder'|'zarr', folder name must be provided")
        folder = _zarr_name(folder) if format == "zarr" else Path(folder)  # type: ignore[arg-type]
        if folder.exists():
            if not overwrite:
                raise ExtractorValueError(
                    f"Folder {folder} already exists! Use overwrite=True to overwrite it."
                )
            # only an analyzer (memphys's or SpikeInterface's) or an empty folder is
            # replaced, and only once the new one is complete (SortingAnalyzer._create)
            check_replaceable(folder, "folder", spikeinterface=True)
    if extra_kwargs:
        sparsity_kwargs, job_kwargs = split_job_kwargs(prefer_threads(extra_kwargs))
        warnings.warn(
            "Passing sparsity and job arguments via keyword arguments will be deprecated in "
            "0.106.0. Please pass them as a `sparsity_kwargs` or `job_kwargs` dictionary "
            "instead.",
            MemphysFutureWarning,
            stacklevel=2,
        )
    else:
        job_kwargs = fix_job_kwargs(prefer_threads(job_kwargs))
        sparsity_kwargs = dict(sparsity_kwargs or {})
    if isinstance(sorting, dict) or isinstance(recording, dict):
        return _create_from_dicts(
            sorting,
            recording,
            format,
            folder,
            lazy,
            peak_sign,
            peak_mode,
            num_spikes_for_main_channel,
            seed,
            sparse,
            sparsity,
            set_sparsity_by_dict_key,
            return_in_uV,
            backend_options,
            sparsity_kwargs,
            job_kwargs,
            overwrite,
        )
    from memphys.ephys.waveform_tools import check_sorting_recording_pair, has_exceeding_spikes

    sorting = check_sorting_recording_pair(sorting, recording, allow_exceeding=True)
    if sorting.has_recording():
        reg = sorting._recording
        for s in range(recording.get_num_segments()):
            if reg.get_num_samples(s) != recording.get_num_samples(s):
                raise ExtractorValueError(
                    f"The sorting is registered to a recording of {reg.get_num_samples(s)} "
                    f"samples in segment {s}, but this recording has "
                    f"{recording.get_num_samples(s)}: they do not go together."
                )
    if has_exceeding_spikes(sorting, recording):
        warnings.warn(
            "Your sorting has spikes with samples times greater than your recording length. "
            "These spikes have been removed.",
            ExtractorWarning,
            stacklevel=2,
        )
        sorting = _remove_excess_spikes(sorting, recording)
    if main_channel_indices is None:
        if "main_channel_id" in sorting.get_property_keys():
            main_channel_indices = recording.ids_to_indices(sorting.get_property("main_channel_id"))
        else:
            from memphys.ephys.template_tools import estimate_main_channel_from_recording

            main_channel_indices = estimate_main_channel_from_recording(
                recording,
                sorting,
                peak_sign=peak_sign,
                peak_mode=peak_mode,
                num_spikes_for_main_channel=num_spikes_for_main_channel,
                seed=seed,
                **job_kwargs,
            )
    else:
        main_channel_indices = np.asarray(main_channel_indices, dtype=np.int64)
        _need(
            main_channel_indices.size == sorting.get_num_units(),
            "len(main_channel_indices) must equal the number of units in the `sorting`",
        )
        if sparsity is None and sparse:
            _need(
                sparsity_kwargs.get("method", "radius") == "radius",
                'If you pass `main_channel_indices`, you need to use sparsity method "radius"',
            )
    main_channel_indices = np.asarray(main_channel_indices, dtype=np.int64)
    if sparsity is not None:
        _need(isinstance(sparsity, ChannelSparsity), "'sparsity' must be a ChannelSparsity object")
        _need(
            np.array_equal(sorting.unit_ids, sparsity.unit_ids),
            "create_sorting_analyzer(): the sparsity's unit_ids do not match the sorting's "
            f"({sparsity.unit_ids.tolist()[:10]} vs {sorting.unit_ids.tolist()[:10]})",
        )
        _need(
            np.array_equal(recording.channel_ids, sparsity.channel_ids),
            "create_sorting_analyzer(): the sparsity's channel_ids do not match the "
            f"recording's ({sparsity.channel_ids.tolist()[:10]} vs "
            f"{recording.channel_ids.tolist()[:10]})",
        )
        _need(
            all(sparsity.mask[u, c] for u, c in enumerate(main_channel_indices)),
            "sparsity is not consistent with main_channel_indices",
        )
    elif sparse:
        from memphys.ephys.sparsity import estimate_sparsity

        sparsity = estimate_sparsity(
            sorting,
            recording,
            main_channel_indices=main_channel_indices,
            peak_sign=peak_sign,
            amplitude_mode=peak_mode,
            **sparsity_kwargs,
            **job_kwargs,
        )
    if return_in_uV and not recording.has_scaleable_traces() and recording.get_dtype().kind == "i":
        warnings.warn(
            "create_sorting_analyzer: recording does not have scaling to uV, forcing "
            "return_in_uV=False",
            ExtractorWarning,
            stacklevel=2,
        )
        return_in_uV = False
    from memphys.ephys.sortinganalyzer import SortingAnalyzer

    analyzer = SortingAnalyzer._create(
        sorting,
        recording,
        format,
        folder,
        sparsity,
        return_in_uV,
        peak_sign,
        peak_mode,
        _rec_attributes(recording),
        backend_options,
        lazy,
        overwrite=overwrite,
    )
    main_ids = (
        analyzer.channel_ids[main_channel_indices]
        if main_channel_indices.size
        else (np.asarray([], dtype=analyzer.channel_ids.dtype))
    )
    analyzer.set_sorting_property("main_channel_id", main_ids, save=True)
    return analyzer


def _create_from_dicts(
    sorting: Any,
    recording: Any,
    format: str,
    folder: Any,
    lazy: bool,
    peak_sign: str,
    peak_mode: str,
    num_spikes: int,
    seed: Any,
    sparse: bool,
    sparsity: Any,
    by_key: bool,
    return_in_uV: bool,
    backend_options: Any,
    sparsity_kwargs: dict[str, Any],
    job_kwargs: dict[str, Any],
    overwrite: bool = False,
) -> Any:
    from memphys.ephys import aggregate_channels, aggregate_units
    from memphys.ephys.sparsity import estimate_sparsity
    from memphys.ephys.template_tools import estimate_main_channel_from_recording

    if not (isinstance(sorting, dict) and isinstance(recording, dict)):
        raise ExtractorValueError("`sorting` and `recording` must both be dicts, or neither.")
    if sorting.keys() != recording.keys():
        raise ExtractorValueError(
            f"Keys of `sorting`, {sorting.keys()}, and `recording`, {recording.keys()}, dicts "
            "do not match."
        )
    keys = list(recording)
    agg_rec = aggregate_channels(recording)
    agg_sort = aggregate_units({k: sorting[k] for k in keys})
    main = None
    if sparsity is None and by_key:
        sparsity_kwargs = {"method": "by_property", "by_property": "aggregation_key"}
    elif sparsity is None and sparsity_kwargs.get("method") != "by_property":
        n_u, n_c = agg_sort.get_num_units(), agg_rec.get_num_channels()
        mask = np.zeros((n_u, n_c), dtype=bool)
        main = np.full(n_u, -1, dtype=np.int64)
        u0 = c0 = 0
        for k in keys:
            s, r = sorting[k], recording[k]
            nu, nc = s.get_num_units(), r.get_num_channels()
            m = estimate_main_channel_from_recording(
                r,
                s,
                peak_sign=peak_sign,
                peak_mode=peak_mode,
                num_spikes_for_main_channel=num_spikes,
                seed=seed,
                **job_kwargs,
            )
            main[u0 : u0 + nu] = m + c0
            if sparse:
                sp = estimate_sparsity(
                    s,
                    r,
                    main_channel_indices=m,
                    peak_sign=peak_sign,
                    amplitude_mode=peak_mode,
                    **sparsity_kwargs,
                    **job_kwargs,
                )
                mask[u0 : u0 + nu, c0 : c0 + nc] = sp.mask
            u0 += nu
            c0 += nc
        if sparse:
            sparsity = ChannelSparsity(mask, agg_sort.unit_ids, agg_rec.channel_ids)
        sparsity_kwargs = {}
    return create_sorting_analyzer(
        agg_sort,
        agg_rec,
        format=format,
        folder=folder,
        main_channel_indices=main,
        lazy=lazy,
        peak_sign=peak_sign,
        peak_mode=peak_mode,
        sparse=sparse,
        sparsity=sparsity,
        return_in_uV=return_in_uV,
        backend_options=backend_options,
        sparsity_kwargs=sparsity_kwargs,
        job_kwargs=job_kwargs,
        overwrite=overwrite,
    )


def main_channels_without_property(an: Any) -> np.ndarray:
    """Main channels of an analyzer whose sorting has no usable ``main_channel_id`` (an
    older analyzer, or no recording to map ids): the templates' peak channels, else the
    channel nearest the centre of each unit's sparse channels, else an estimate from the
    recording.

    Raises
    ------
    memphys.errors.ExtractorValueError
        For a dense analyzer without templates, waveforms or recording.
    """
    from memphys.ephys.template_tools import (
        _get_main_channel_from_template_array,
        estimate_main_channel_from_recording,
    )

    tpl = an.get_extension("templates")
    if tpl is not None:
        arr = tpl.data.get("average", tpl.data.get("median"))
        if arr is not None:
            return _get_main_channel_from_template_array(
                np.asarray(arr), "extremum", "both", tpl.nbefore
            )
    if an.is_sparse():
        locs = an.get_channel_locations()
        out = []
        for chans in an.sparsity.unit_id_to_channel_indices.values():
            centre = np.average(locs[chans], axis=0)
            out.append(int(np.argmin(np.linalg.norm(locs - centre, axis=1))))
        return np.asarray(out, dtype=np.int64)
    if an.has_recording() or an.has_temporary_recording():
        return estimate_main_channel_from_recording(
            an.recording,
            an.sorting,
            peak_sign="both",
            peak_mode="extremum",
            num_spikes_for_main_channel=100,
        )
    raise ExtractorValueError(
        "This analyzer is dense, and has no attached recording, waveforms or templates: "
        "its main channels cannot be estimated. Attach a recording "
        "(set_temporary_recording) or re-create the analyzer."
    )
