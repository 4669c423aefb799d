"""New analyzers from an analyzer: save_as, select/remove/merge/split units, select
channels.

:func:`transform` builds the new sorting (:mod:`memphys.ephys.analyzer_curation`), the new
sparsity, and a new analyzer in the target format, then carries every extension over in
dependency order (``copy`` / ``merge`` / ``split``; with ``merging_mode="hard"`` or
``splitting_mode="hard"`` the extensions are recomputed instead). A folder or store is
written under a temporary name with all its extensions and renamed only when complete, so
an interrupted ``save_as`` never leaves an analyzer that loads as complete.

Per-spike data follow the spikes: the old analyzer's ``_position_map`` (old spike position
-> new, -1 if dropped) is set while extensions are carried over, and the core extensions
use it.

Examples
--------
>>> import memphys.ephys as si
>>> rec, sorting = si.generate_ground_truth_recording(num_units=4, seed=0)
>>> jk = {"progress_bar": False}
>>> an = si.create_sorting_analyzer(sorting, rec, sparse=False, job_kwargs=jk)
>>> _ = an.compute("random_spikes")
>>> an.merge_units([["0", "1"]], new_unit_ids=["9"]).unit_ids
array(['2', '3', '9'], dtype='<U1')
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys import analyzer_storage as storage
from memphys.ephys.analyzer_extension import _sort_extensions_by_dependency
from memphys.ephys.sparsity import ChannelSparsity
from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = ["transform", "merge_units", "split_units", "select_channels", "are_units_mergeable"]


def _need(cond: bool, msg: str) -> None:
    if not cond:
        raise ExtractorValueError(msg)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def are_units_mergeable(
    an: Any,
    merge_unit_groups: Any,
    merging_mode: str = "soft",
    sparsity_overlap: float = 0.75,
    return_masks: bool = False,
) -> Any:
    """``{group: bool}`` (and the merged sparsity masks): soft merges need the units'
    channel sets to overlap by at least ``sparsity_overlap`` (intersection / union)."""
    mergeable, masks = {}, {}
    for group in merge_unit_groups:
        key = tuple(_plain(u) for u in group)
        if an.sparsity is None:
            mergeable[key] = True
            masks[key] = np.ones(an.get_num_channels(), dtype=bool)
            continue
        m = an.sparsity.mask[an.sorting.ids_to_indices(list(group))]
        union = np.any(m, axis=0)
        inter = np.all(m, axis=0)
        ratio = inter.sum() / max(union.sum(), 1)
        if merging_mode == "hard":
            mergeable[key], masks[key] = True, union
        else:
            mergeable[key], masks[key] = bool(ratio >= sparsity_overlap), inter
    return (mergeable, masks) if return_masks else mergeable


def _check_unit_ids(an: Any, unit_ids: Any, name: str = "unit_ids") -> list[Any]:
    ids = [_plain(u) for u in an.unit_ids]
    out = [_plain(u) for u in np.atleast_1d(np.asarray(unit_ids)).tolist()]
    bad = [u for u in out if u not in ids]
    _need(
        not bad,
        f"Invalid value for `{name}`: {bad} are not units of the analyzer (units: {ids[:20]}).",
    )
    return out


def _selected_sorting(an: Any, unit_ids: list[Any], need_vector: bool) -> tuple[Any, Any]:
    from memphys.ephys.analyzer_curation import renumbered_spike_vector
    from memphys.ephys.numpysorting import NumpySorting

    sorting = an.sorting
    if not need_vector:
        return sorting.select_units(unit_ids), None
    spikes = sorting.to_spike_vector()
    index = np.full(sorting.get_num_units(), -1, dtype=np.int64)
    index[sorting.ids_to_indices(unit_ids)] = np.arange(len(unit_ids))
    keep = index[np.asarray(spikes["unit_index"])] >= 0
    new_spikes, pmap = renumbered_spike_vector(spikes, index, keep)
    new = NumpySorting(
        new_spikes,
        sorting.sampling_frequency,
        np.asarray(unit_ids),
        num_segments=sorting.get_num_segments(),
    )
    for key in sorting.get_property_keys():
        new.set_property(
            key, np.asarray(sorting.get_property(key))[sorting.ids_to_indices(unit_ids)]
        )
    new._annotations.update(sorting._annotations)
    return new, pmap


def _finish(new: Any, final: Path | None) -> Any:
    """Rename a partial folder to its final name and reopen the analyzer from there."""
    from memphys.ephys.sortinganalyzer import SortingAnalyzer

    if final is None:
        return new
    tmp = Path(new.folder)
    storage.finish_partial(tmp, final)
    out = SortingAnalyzer.load(
        final,
        recording=new._recording,
        format=new.format,
        backend_options=new._backend_options,
        lazy=new._lazy,
    )
    out._recording = new._recording
    return out


def transform(
    an: Any,
    format: str = "memory",
    folder: Any = None,
    backend_options: Any = None,
    unit_ids: Any = None,
    merge_unit_groups: Any = None,
    merge_new_unit_ids: Any = None,
    censor_ms: float | None = None,
    merging_mode: str = "soft",
    sparsity_overlap: float = 0.75,
    split_units: Any = None,
    split_new_unit_ids: Any = None,
    splitting_mode: str = "soft",
    verbose: bool = False,
    **job_kwargs: Any,
) -> Any:
    """The analyzer saved as ``format`` (with a unit selection, merges or splits)."""
    from memphys.ephys._check import check_in
    from memphys.ephys.analyzer_create import _zarr_name
    from memphys.ephys.analyzer_curation import apply_merges_to_sorting, apply_splits_to_sorting
    from memphys.ephys.sortinganalyzer import SortingAnalyzer

    check_in("format", format, ("memory", "binary_folder", "zarr"))
    _need(
        not an._read_only,
        "Cannot save, select, merge or split units when the SortingAnalyzer is read-only. "
        "Please load the SortingAnalyzer with read_only=False.",
    )
    _need(
        not (merge_unit_groups is not None and split_units is not None),
        "Cannot merge and split at the same time",
    )
    if an._lazy and an.format != "memory":
        an.load_all_saved_extension()
    recording = an._recording if an.has_recording() else an._temporary_recording
    final = None
    if format != "memory":
        _need(folder is not None, f"For format={format!r}, folder must be provided")
        final = _zarr_name(folder) if format == "zarr" else Path(folder)
        _need(not final.exists(), f"Folder {final} already exists")
    needs_positions = bool(an.extensions)
    keep_mask = None
    pmap = None
    sparsity = an.sparsity
    if merge_unit_groups is not None:
        new_sorting, keep_mask, _, pmap = apply_merges_to_sorting(
            an.sorting,
            merge_unit_groups,
            merge_new_unit_ids,
            censor_ms=censor_ms,
            return_extra=True,
            return_position_map=True,
        )
        if censor_ms is None:
            keep_mask = None
        if sparsity is not None:
            _, masks = are_units_mergeable(
                an, merge_unit_groups, merging_mode, sparsity_overlap, True
            )
            new_ids = [_plain(u) for u in merge_new_unit_ids]
            mask = np.zeros((new_sorting.get_num_units(), sparsity.mask.shape[1]), dtype=bool)
            for i, u in enumerate(new_sorting.unit_ids):
                if _plain(u) in new_ids:
                    mask[i] = masks[
                        tuple(_plain(x) for x in merge_unit_groups[new_ids.index(_plain(u))])
                    ]
                else:
                    mask[i] = sparsity.mask[an.sorting.id_to_index(u)]
            sparsity = ChannelSparsity(mask, new_sorting.unit_ids, an.channel_ids)
    elif split_units is not None:
        new_sorting, _, pmap = apply_splits_to_sorting(
            an.sorting,
            split_units,
            split_new_unit_ids,
            return_extra=True,
            return_position_map=True,
        )
        if sparsity is not None:
            mask = np.zeros((new_sorting.get_num_units(), sparsity.mask.shape[1]), dtype=bool)
            old = [_plain(u) for u in an.unit_ids]
            for i, u in enumerate(new_sorting.unit_ids):
                uu = _plain(u)
                if uu in old and uu not in split_units:
                    mask[i] = sparsity.mask[old.index(uu)]
                else:
                    for su, news in zip(split_units, split_new_unit_ids, strict=True):
                        if uu in [_plain(n) for n in news]:
                            mask[i] = sparsity.mask[an.sorting.id_to_index(su)]
            sparsity = ChannelSparsity(mask, new_sorting.unit_ids, an.channel_ids)
    elif unit_ids is not None:
        unit_ids = _check_unit_ids(an, unit_ids)
        new_sorting, pmap = _selected_sorting(an, unit_ids, needs_positions or format != "memory")
        if sparsity is not None:
            sparsity = ChannelSparsity(
                sparsity.mask[an.sorting.ids_to_indices(unit_ids)], unit_ids, an.channel_ids
            )
    else:
        new_sorting = an.sorting
    new = SortingAnalyzer._create(
        new_sorting,
        recording,
        format,
        final,
        sparsity,
        an.return_in_uV,
        an.peak_sign,
        an.peak_mode,
        an.rec_attributes,
        backend_options or {},
        an._lazy,
        finish=False,
    )
    recompute: dict[str, Any] = {}
    an._position_map = pmap
    try:
        order = _sort_extensions_by_dependency({n: e.params for n, e in an.extensions.items()})
        for name in order:
            ext = an.extensions[name]
            if merge_unit_groups is not None:
                if merging_mode == "soft":
                    new.extensions[name] = ext.merge(
                        new,
                        merge_unit_groups,
                        merge_new_unit_ids,
                        keep_mask=keep_mask,
                        verbose=verbose,
                        **job_kwargs,
                    )
                else:
                    recompute[name] = ext.params
            elif split_units is not None:
                if splitting_mode == "soft":
                    new.extensions[name] = ext.split(
                        new, split_units, split_new_unit_ids, verbose=verbose, **job_kwargs
                    )
                else:
                    recompute[name] = ext.params
            else:
                new.extensions[name] = ext.copy(new, unit_ids=unit_ids)
        if recompute:
            new.compute_several_extensions(recompute, save=True, verbose=verbose, **job_kwargs)
    except BaseException:
        if final is not None and new.folder is not None:
            shutil.rmtree(new.folder, ignore_errors=True)
        raise
    finally:
        an._position_map = None
    return _finish(new, final)


def merge_units(
    an: Any,
    merge_unit_groups: Any,
    new_unit_ids: Any = None,
    censor_ms: float | None = None,
    merging_mode: str = "soft",
    sparsity_overlap: float = 0.75,
    raise_error_if_overlap_fails: bool = True,
    new_id_strategy: str = "append",
    return_new_unit_ids: bool = False,
    format: str = "memory",
    folder: Any = None,
    verbose: bool = False,
    **job_kwargs: Any,
) -> Any:
    """Merge groups of units into new units (SpikeInterface 0.105's ``merge_units``).

    ``merge_units([0, 1], [2, 3])``, where both arguments are flat lists of existing unit
    ids, is read as the groups ``[[0, 1], [2, 3]]``; ``merge_units([0, 1])`` as one group.
    Soft merges combine the extensions (templates weighted by spike counts) and need the
    units' sparsities to overlap (``sparsity_overlap``); hard merges recompute them.
    """
    from memphys.ephys._check import check_in
    from memphys.ephys.analyzer_curation import generate_unit_ids_for_merge_group

    check_in("merging_mode", merging_mode, ("soft", "hard"))
    groups = _read_groups(an, merge_unit_groups, new_unit_ids)
    if groups is not None:
        merge_unit_groups, new_unit_ids = groups, None
    _need(len(merge_unit_groups) > 0, "Merging requires at least one group of units to merge")
    merge_unit_groups = [
        list(_check_unit_ids(an, g, "merge_unit_groups")) for g in merge_unit_groups
    ]
    for g in merge_unit_groups:
        _need(len(g) >= 2, f"Merging requires at least two units to merge, but got the group {g}")
    if an.sparsity is not None and merging_mode == "soft":
        ok = are_units_mergeable(an, merge_unit_groups, merging_mode, sparsity_overlap)
        good = [g for g in merge_unit_groups if ok[tuple(g)]]
        bad = [g for g in merge_unit_groups if not ok[tuple(g)]]
        if new_unit_ids is not None:
            new_unit_ids = [
                n for g, n in zip(merge_unit_groups, new_unit_ids, strict=True) if ok[tuple(g)]
            ]
        if bad:
            msg = (
                f"The sparsity of the units in the merge groups {bad} do not overlap enough for "
                f"a soft merge using a sparsity threshold of {sparsity_overlap}."
            )
            if raise_error_if_overlap_fails:
                raise ExtractorValueError(
                    msg + " Either lower your `sparsity_overlap` or use the flag "
                    "`raise_error_if_overlap_fails = False` to skip these units in your merge."
                )
            warnings.warn(msg + " They will not be merged.", ExtractorWarning, stacklevel=3)
        merge_unit_groups = good
    if not merge_unit_groups:
        warnings.warn("No mergeable unit groups found.", ExtractorWarning, stacklevel=3)
        return (an, []) if return_new_unit_ids else an
    new_ids = generate_unit_ids_for_merge_group(
        an.unit_ids, merge_unit_groups, new_unit_ids, new_id_strategy
    )
    out = transform(
        an,
        format=format,
        folder=folder,
        merge_unit_groups=merge_unit_groups,
        merge_new_unit_ids=new_ids,
        censor_ms=censor_ms,
        merging_mode=merging_mode,
        sparsity_overlap=sparsity_overlap,
        verbose=verbose,
        **job_kwargs,
    )
    return (out, new_ids) if return_new_unit_ids else out


def _read_groups(an: Any, first: Any, second: Any) -> list[list[Any]] | None:
    """The seed's ``merge_units([0, 1], [2, 3])``: two flat lists of unit ids are groups."""

    def flat(x: Any) -> bool:
        return (
            isinstance(x, list | tuple | np.ndarray)
            and len(x) > 0
            and all(np.isscalar(v) for v in np.asarray(x, dtype=object).tolist())
        )

    ids = [_plain(u) for u in an.unit_ids]
    if flat(first):
        if (
            second is not None
            and flat(second)
            and len(second) >= 2
            and all(_plain(v) in ids for v in second)
            and all(_plain(v) in ids for v in first)
        ):
            return [list(first), list(second)]
        if all(_plain(v) in ids for v in first) and (second is None or len(second) == 1):
            return [list(first)]
    return None


def split_units(
    an: Any,
    split_units: Any,
    new_unit_ids: Any = None,
    new_id_strategy: str = "append",
    return_new_unit_ids: bool = False,
    format: str = "memory",
    folder: Any = None,
    verbose: bool = False,
    splitting_mode: str = "soft",
    **job_kwargs: Any,
) -> Any:
    """Split units: ``split_units[unit_id]`` lists, per new unit, positions of the unit's
    spikes (SpikeInterface 0.105's ``split_units``)."""
    from memphys.ephys.analyzer_curation import (
        check_unit_splits_consistency,
        generate_unit_ids_for_split,
    )

    _need(len(split_units) > 0, "Splitting requires at least one unit to split")
    check_unit_splits_consistency(split_units, an.sorting)
    new_ids = generate_unit_ids_for_split(an.unit_ids, split_units, new_unit_ids, new_id_strategy)
    out = transform(
        an,
        format=format,
        folder=folder,
        split_units=split_units,
        split_new_unit_ids=new_ids,
        splitting_mode=splitting_mode,
        verbose=verbose,
        **job_kwargs,
    )
    return (out, new_ids) if return_new_unit_ids else out


def select_channels(an: Any, channel_ids: Any) -> Any:
    """An in-memory analyzer with only ``channel_ids`` (extensions sliced)."""
    from memphys.ephys.sortinganalyzer import SortingAnalyzer

    idx = an.channel_ids_to_indices(channel_ids)
    channel_ids = an.channel_ids[idx]
    if an.has_recording() or an.has_temporary_recording():
        rec = an.recording.select_channels(channel_ids)
        from memphys.ephys.analyzer_create import _rec_attributes

        attrs = _rec_attributes(rec)
    else:
        rec = None
        attrs = dict(an.rec_attributes)
        attrs["channel_ids"] = np.asarray(channel_ids)
        attrs["num_channels"] = len(channel_ids)
        attrs["properties"] = {
            k: (
                np.asarray(v)[idx] if len(np.asarray(v)) == an.get_num_channels() else np.asarray(v)
            )
            for k, v in (attrs.get("properties") or {}).items()
        }
        if attrs.get("probegroup") is not None:
            attrs["probegroup"] = attrs["probegroup"].get_slice(idx)
    sparsity = None
    if an.sparsity is not None:
        sparsity = ChannelSparsity(an.sparsity.mask[:, idx], an.unit_ids, channel_ids)
    new = SortingAnalyzer(
        an.sorting, rec, "memory", attrs, sparsity, an.return_in_uV, an.peak_sign, an.peak_mode
    )
    for name, ext in an.extensions.items():
        new.extensions[name] = ext.copy(new, channel_ids=channel_ids)
    return new
