"""Curation of a sorting for the analyzer: select, merge and split units.

SpikeInterface 0.105's ``apply_merges_to_sorting`` (with ``censor_ms``),
``apply_splits_to_sorting``, the id generators (``generate_unit_ids_for_merge_group``,
``generate_unit_ids_for_split``), ``_get_ids_after_merging`` / ``_get_ids_after_splitting``,
``check_unit_splits_consistency`` and the property rules after a merge or a split (a
property survives a merge when all merged units agree; ``main_channel_id`` is taken from
the unit with most spikes; ``is_merged`` / ``is_split`` mark the new units).

Every new spike vector is built by :func:`renumbered_spike_vector`: the kept spikes with
their new unit indices, sorted by segment, sample and unit (memphys's spike-vector order),
together with ``position_map``, the new position of every old spike (-1 if dropped). The
analyzer's extensions use it to carry per-spike data (random spikes, waveforms) to the
new vector even when renumbering reorders spikes that share a sample.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpySorting
>>> s = NumpySorting.from_samples_and_labels([np.array([1, 2, 3, 4])],
...                                          [np.array([0, 1, 2, 1])], 1000.0)
>>> merged, keep, new_ids = apply_merges_to_sorting(s, [[0, 1]], return_extra=True)
>>> merged.unit_ids, new_ids
(array([2, 3]), [np.int64(3)])
>>> merged.to_spike_vector()["unit_index"]
array([1, 1, 0, 1])
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from memphys.errors import ExtractorValueError, ExtractorWarning

__all__ = [
    "renumbered_spike_vector",
    "apply_merges_to_sorting",
    "apply_splits_to_sorting",
    "generate_unit_ids_for_merge_group",
    "generate_unit_ids_for_split",
    "check_unit_splits_consistency",
    "set_properties_after_merging",
    "set_properties_after_splits",
]

_MISSING = {"f": np.nan, "O": None, "S": "", "U": "", "b": False}


def _need(cond: bool, msg: str) -> None:
    if not cond:
        raise ExtractorValueError(msg)


def _plain(v: Any) -> Any:
    return v.item() if isinstance(v, np.generic) else v


def renumbered_spike_vector(
    spikes: np.ndarray, new_unit_index: np.ndarray, keep: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """``(new_spikes, position_map)``: the kept spikes with ``unit_index`` replaced by
    ``new_unit_index[old_unit_index]`` (or per spike when ``new_unit_index`` has one value
    per spike), sorted by segment, sample, unit; ``position_map[i]`` is the new position of
    old spike ``i`` (-1 if not kept)."""
    n = spikes.size
    units = np.asarray(spikes["unit_index"])
    new_units = new_unit_index if new_unit_index.shape[0] == n and n else new_unit_index[units]
    kept = np.arange(n) if keep is None else np.flatnonzero(keep)
    new_units = np.asarray(new_units)[kept]
    seg = np.asarray(spikes["segment_index"])[kept]
    smp = np.asarray(spikes["sample_index"])[kept]
    out = np.empty(kept.size, dtype=spikes.dtype)
    out["sample_index"] = smp
    out["segment_index"] = seg
    out["unit_index"] = new_units
    order = np.lexsort((new_units, smp, seg)) if kept.size else np.zeros(0, dtype=np.int64)
    if kept.size and np.any(np.diff(order) != 1):
        out = out[order]
    else:
        order = np.arange(kept.size)
    position_map = np.full(n, -1, dtype=np.int64)
    inv = np.empty(kept.size, dtype=np.int64)
    inv[order] = np.arange(kept.size)
    position_map[kept] = inv
    return out, position_map


def generate_unit_ids_for_merge_group(
    old_unit_ids: Any,
    merge_unit_groups: Any,
    new_unit_ids: Any = None,
    new_id_strategy: str = "append",
) -> list[Any]:
    """New ids for merged groups: ``new_unit_ids`` (checked), or ``"append"`` (after the
    largest id), ``"take_first"`` (each group's first id) or ``"join"`` ("a-b")."""
    old = np.asarray(old_unit_ids)
    if new_unit_ids is not None:
        _need(
            len(new_unit_ids) == len(merge_unit_groups),
            "new_unit_ids should have the same len as merge_unit_groups",
        )
        for i, nid in enumerate(new_unit_ids):
            if nid in old:
                _need(
                    nid in list(merge_unit_groups[i]),
                    f"new_unit_ids {nid!r} already exists but outside the merged groups",
                )
        return [_plain(v) for v in new_unit_ids]
    n = len(merge_unit_groups)
    if new_id_strategy == "take_first":
        return [_plain(g[0]) for g in merge_unit_groups]
    if new_id_strategy not in ("append", "join"):
        raise ExtractorValueError(
            f"Invalid value for `new_id_strategy`: allowed values are 'append', 'take_first', "
            f"'join', but got {new_id_strategy!r}."
        )
    if np.issubdtype(old.dtype, np.character):
        if new_id_strategy == "join":
            return ["-".join(str(u) for u in g) for g in merge_unit_groups]
        if old.size and all(str(p).isdigit() for p in old):
            m = max(int(p) for p in old) + 1
            return [str(m + i) for i in range(n)]
        return [f"merge{i}" for i in range(n)]
    start = int(old.max()) + 1 if old.size else 0
    return list(np.arange(start, start + n, dtype=old.dtype))


def _get_ids_after_merging(
    old_unit_ids: Any, merge_unit_groups: Any, new_unit_ids: Any
) -> np.ndarray:
    old = np.asarray(old_unit_ids)
    dtype: Any = "U" if old.dtype.kind == "U" else old.dtype
    _need(
        len(new_unit_ids) == len(merge_unit_groups),
        "new_unit_ids should have the same len as merge_unit_groups",
    )
    ids = [_plain(u) for u in old]
    for nid, group in zip(new_unit_ids, merge_unit_groups, strict=True):
        _need(len(group) > 1, "A merge should have at least two units")
        for u in group:
            _need(
                _plain(u) in ids or _plain(u) == _plain(nid),
                f"Merged ids should be in the sorting: {u!r}",
            )
        for u in group:
            if _plain(u) != _plain(nid) and _plain(u) in ids:
                ids.remove(_plain(u))
        if _plain(nid) not in ids:
            ids.append(_plain(nid))
    return np.array(ids, dtype=dtype)


def _check_groups(sorting: Any, merge_unit_groups: Any) -> list[list[Any]]:
    ids = [_plain(u) for u in sorting.unit_ids]
    groups = [[_plain(u) for u in g] for g in merge_unit_groups]
    seen: set[Any] = set()
    for g in groups:
        _need(len(g) >= 2, f"Merging requires at least two units to merge, but got the group {g}")
        for u in g:
            _need(
                u in ids,
                f"Invalid value for `merge_unit_groups`: unit {u!r} is not in the sorting "
                f"(unit ids: {ids[:20]}).",
            )
            _need(
                u not in seen,
                f"Invalid value for `merge_unit_groups`: unit {u!r} is in several groups.",
            )
            seen.add(u)
    return groups


def apply_merges_to_sorting(
    sorting: Any,
    merge_unit_groups: Any,
    new_unit_ids: Any = None,
    censor_ms: float | None = None,
    return_extra: bool = False,
    new_id_strategy: str = "append",
    return_position_map: bool = False,
) -> Any:
    """A new in-memory sorting with each group of units merged into one.

    With ``censor_ms``, a merged spike closer than that to the previous spike of its new
    unit is dropped. ``return_extra``: also the boolean mask of kept spikes (over the old
    spike vector) and the new ids; ``return_position_map``: also the old -> new spike
    positions (see :func:`renumbered_spike_vector`).
    """
    from memphys.ephys.numpysorting import NumpySorting

    groups = _check_groups(sorting, merge_unit_groups)
    new_ids = generate_unit_ids_for_merge_group(
        sorting.unit_ids, groups, new_unit_ids, new_id_strategy
    )
    all_ids = list(_get_ids_after_merging(sorting.unit_ids, groups, new_ids).tolist())
    rename = {u: nid for g, nid in zip(groups, new_ids, strict=True) for u in g}
    index = np.array(
        [all_ids.index(_plain(rename.get(_plain(u), _plain(u)))) for u in sorting.unit_ids],
        dtype=np.int64,
    )
    spikes = sorting.to_spike_vector()
    keep = np.ones(spikes.size, dtype=bool)
    if censor_ms is not None:
        rpv = int(sorting.sampling_frequency * float(censor_ms) / 1000.0)
        units = np.asarray(spikes["unit_index"])
        segs = np.asarray(spikes["segment_index"])
        samples = np.asarray(spikes["sample_index"])
        for g in groups:
            members = np.isin(units, sorting.ids_to_indices(g))
            for seg in np.unique(segs[members]):
                pos = np.flatnonzero(members & (segs == seg))
                bad = np.flatnonzero(np.diff(samples[pos]) < rpv)
                keep[pos[bad + 1]] = False
    new_spikes, position_map = renumbered_spike_vector(spikes, index, keep)
    merged = NumpySorting(
        new_spikes,
        sorting.sampling_frequency,
        np.asarray(all_ids),
        num_segments=sorting.get_num_segments(),
    )
    set_properties_after_merging(merged, sorting, groups, new_ids)
    out: list[Any] = [merged]
    if return_extra:
        out += [keep, new_ids]
    if return_position_map:
        out.append(position_map)
    return out[0] if len(out) == 1 else tuple(out)


def set_properties_after_merging(
    sorting_post_merge: Any, sorting_pre_merge: Any, merge_unit_groups: Any, new_unit_ids: Any
) -> None:
    """Carry properties over a merge (see the module docstring) and set ``is_merged``."""
    post_ids = np.asarray(sorting_post_merge.unit_ids)
    pre_ids = np.asarray(sorting_pre_merge.unit_ids)
    new_list = [_plain(v) for v in new_unit_ids]
    untouched = [u for u in post_ids if _plain(u) in pre_ids.tolist() and _plain(u) not in new_list]
    keep_pre = sorting_pre_merge.ids_to_indices(untouched)
    keep_post = sorting_post_merge.ids_to_indices(untouched)
    for key in sorting_pre_merge.get_property_keys():
        parent = np.asarray(sorting_pre_merge.get_property(key))
        values = np.empty((post_ids.size, *parent.shape[1:]), dtype=parent.dtype)
        if values.dtype.kind in _MISSING:
            values[...] = _MISSING[values.dtype.kind]
        values[keep_post] = parent[keep_pre]
        skip = False
        for nid, group in zip(new_list, merge_unit_groups, strict=True):
            merged_vals = parent[sorting_pre_merge.ids_to_indices(group)]
            j = sorting_post_merge.id_to_index(nid)
            if all(np.array_equal(m, merged_vals[0]) for m in merged_vals[1:]):
                values[j] = merged_vals[0]
            elif key == "main_channel_id":
                counts = sorting_pre_merge.count_num_spikes_per_unit(unit_ids=group)
                values[j] = merged_vals[int(np.argmax([counts[u] for u in group]))]
            elif parent.dtype.kind in _MISSING:
                values[j] = _MISSING[parent.dtype.kind]
            else:
                skip = True
                break
        if not skip:
            sorting_post_merge.set_property(key, values)
    is_merged = np.ones(post_ids.size, dtype=bool)
    is_merged[keep_post] = False
    sorting_post_merge.set_property("is_merged", is_merged)


def check_unit_splits_consistency(unit_splits: Any, sorting: Any) -> None:
    """Each split unit has at least two lists of spike positions covering its spikes.

    Raises
    ------
    memphys.errors.ExtractorValueError
        Otherwise, naming the unit.
    """
    counts = sorting.count_num_spikes_per_unit()
    for unit_id, parts in unit_splits.items():
        _need(
            unit_id in counts,
            f"Invalid value for `split_units`: unit {unit_id!r} is not in the sorting.",
        )
        _need(
            isinstance(parts, list | np.ndarray),
            f"unit_splits[{unit_id}] should be a list or numpy array, got {type(parts)}",
        )
        _need(
            all(isinstance(p, list | np.ndarray) for p in parts),
            f"unit_splits[{unit_id}] should be a list of lists or numpy arrays",
        )
        _need(len(parts) >= 2, f"unit_splits[{unit_id}] should have at least two splits")
        total = sum(len(p) for p in parts)
        _need(
            total == counts[unit_id],
            f"Total spikes in unit {unit_id} split ({total}) does not match the number of "
            f"spikes in the unit ({counts[unit_id]})",
        )


def generate_unit_ids_for_split(
    old_unit_ids: Any, unit_splits: Any, new_unit_ids: Any = None, new_id_strategy: str = "append"
) -> list[list[Any]]:
    """New ids for split units: ``new_unit_ids`` (checked), ``"append"`` or ``"split"``
    (``"<id>-<k>"`` for string ids)."""
    _need(new_id_strategy in ("append", "split"), "new_id_strategy should be 'append' or 'split'")
    old = np.asarray(old_unit_ids)
    if new_unit_ids is not None:
        for parts, ids in zip(unit_splits.values(), new_unit_ids, strict=True):
            _need(
                len(parts) == len(ids),
                "new_unit_ids should have the same len as unit_splits.values",
            )
            _need(
                all(i not in old for i in ids),
                "new_unit_ids already exists but outside the split groups",
            )
        return [[_plain(i) for i in ids] for ids in new_unit_ids]
    if np.issubdtype(old.dtype, np.integer) and new_id_strategy == "split":
        warnings.warn(
            "new_id_strategy 'split' is not compatible with integer unit_ids. Switching to "
            "'append'.",
            ExtractorWarning,
            stacklevel=2,
        )
        new_id_strategy = "append"
    out = []
    current = [_plain(u) for u in old]
    for unit, parts in unit_splits.items():
        k = len(parts)
        if new_id_strategy == "split":
            ids = [f"{unit}-{i}" for i in range(k)]
        elif np.issubdtype(old.dtype, np.character):
            if all(str(p).isdigit() for p in current):
                m = max(int(p) for p in current) + 1
                ids = [str(m + i) for i in range(k)]
            else:
                ids = [f"{unit}-split{i}" for i in range(k)]
        else:
            m = max(current) + 1
            ids = [int(m + i) for i in range(k)]
        current.extend(ids)
        out.append(ids)
    return out


def _get_ids_after_splitting(old_unit_ids: Any, split_units: Any, new_unit_ids: Any) -> np.ndarray:
    old = np.asarray(old_unit_ids)
    dtype: Any = "U" if old.dtype.kind == "U" else old.dtype
    _need(
        len(new_unit_ids) == len(split_units),
        "new_unit_ids should have the same len as split_units",
    )
    ids = [_plain(u) for u in old]
    for unit, news in zip(split_units, new_unit_ids, strict=True):
        _need(
            len(news) == len(split_units[unit]),
            "new_unit_ids should have the same len as split_units values",
        )
        ids.remove(_plain(unit))
        ids.extend(_plain(n) for n in news)
    return np.array(ids, dtype=dtype)


def apply_splits_to_sorting(
    sorting: Any,
    unit_splits: Any,
    new_unit_ids: Any = None,
    return_extra: bool = False,
    new_id_strategy: str = "append",
    return_position_map: bool = False,
) -> Any:
    """A new in-memory sorting with units split: ``unit_splits[unit_id]`` lists, for each
    new unit, the positions of its spikes in the unit's spike train (all segments)."""
    from memphys.ephys.numpysorting import NumpySorting

    check_unit_splits_consistency(unit_splits, sorting)
    new_ids = generate_unit_ids_for_split(
        sorting.unit_ids, unit_splits, new_unit_ids, new_id_strategy
    )
    all_ids = list(_get_ids_after_splitting(sorting.unit_ids, unit_splits, new_ids).tolist())
    spikes = sorting.to_spike_vector()
    units = np.asarray(spikes["unit_index"])
    per_spike = np.empty(spikes.size, dtype=np.int64)
    for i, u in enumerate(sorting.unit_ids):
        pos = np.flatnonzero(units == i)
        key = _plain(u)
        if key in unit_splits or u in unit_splits:
            parts = unit_splits[key] if key in unit_splits else unit_splits[u]
            ids = new_ids[list(unit_splits).index(key if key in unit_splits else u)]
            for part, nid in zip(parts, ids, strict=True):
                per_spike[pos[np.asarray(part, dtype=np.int64)]] = all_ids.index(_plain(nid))
        else:
            per_spike[pos] = all_ids.index(key)
    new_spikes, position_map = renumbered_spike_vector(spikes, per_spike)
    split = NumpySorting(
        new_spikes,
        sorting.sampling_frequency,
        np.asarray(all_ids),
        num_segments=sorting.get_num_segments(),
    )
    set_properties_after_splits(split, sorting, list(unit_splits), new_ids)
    out: list[Any] = [split]
    if return_extra:
        out.append(new_ids)
    if return_position_map:
        out.append(position_map)
    return out[0] if len(out) == 1 else tuple(out)


def set_properties_after_splits(
    sorting_post_split: Any, sorting_pre_split: Any, split_unit_ids: Any, new_unit_ids: Any
) -> None:
    """Split units inherit their parent's properties; ``is_split`` marks them."""
    post_ids = np.asarray(sorting_post_split.unit_ids)
    pre_list = [_plain(u) for u in sorting_pre_split.unit_ids]
    all_new = [_plain(u) for g in new_unit_ids for u in g]
    untouched = [u for u in post_ids if _plain(u) in pre_list and _plain(u) not in all_new]
    keep_pre = sorting_pre_split.ids_to_indices(untouched)
    keep_post = sorting_post_split.ids_to_indices(untouched)
    for key in sorting_pre_split.get_property_keys():
        parent = np.asarray(sorting_pre_split.get_property(key))
        values = np.empty((post_ids.size, *parent.shape[1:]), dtype=parent.dtype)
        values[keep_post] = parent[keep_pre]
        for unit, news in zip(split_unit_ids, new_unit_ids, strict=True):
            values[sorting_post_split.ids_to_indices(news)] = parent[
                sorting_pre_split.id_to_index(unit)
            ]
        sorting_post_split.set_property(key, values)
    is_split = np.ones(post_ids.size, dtype=bool)
    is_split[keep_post] = False
    sorting_post_split.set_property("is_split", is_split)
