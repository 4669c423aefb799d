"""Synthetic sortings: Poisson spike trains with a refractory period, and their variants.

:func:`generate_sorting` draws, per segment and unit, geometric inter-spike intervals
(the discrete counterpart of a Poisson process) at a rate raised to compensate for the
refractory period (Deger et al., 2012), with the same random stream as SpikeInterface's:
the same seed gives the same spikes in both libraries. The result is one spike vector
(a :class:`~memphys.ephys.NumpySorting`).

Also here: :func:`synthesize_random_firings` (uniform spikes, one segment),
:func:`create_sorting_npz`, :func:`clean_refractory_period`,
:func:`inject_some_duplicate_units`, :func:`inject_some_split_units`,
:func:`synthetize_spike_train_bad_isi`, :func:`generate_sorting_to_inject`, the lazy
:class:`SortingGenerator` (each train computed on demand from ``(seed, segment, unit)``,
identically in every process) and :class:`TransformSorting` (spikes added to a sorting,
with masks of what was added).

Examples
--------
>>> import memphys.ephys as si
>>> s = si.generate_sorting(num_units=3, durations=[2.0], firing_rates=10.0, seed=0)
>>> s.unit_ids.tolist(), int(s.count_total_num_spikes()) > 30
(['0', '1', '2'], True)
>>> g = si.SortingGenerator(num_units=2, durations=[1.0], seed=1)
>>> bool((g.get_unit_spike_train("0") == g.get_unit_spike_train("0")).all())
True
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys._check import check_int, check_sampling_frequency, ext_error
from memphys.ephys.basesorting import (
    BaseSorting,
    BaseSortingSegment,
    SpikeVectorSortingSegment,
    UnitTrains,
)
from memphys.ephys.core_tools import _ensure_seed
from memphys.ephys.numpysorting import NumpySorting
from memphys.ephys.sorting_tools import SPIKE_DTYPE, reorder_spike_vector_by_unit_and_segment
from memphys.errors import ExtractorValueError

__all__ = [
    "generate_sorting",
    "synthesize_poisson_spike_vector",
    "synthesize_random_firings",
    "create_sorting_npz",
    "clean_refractory_period",
    "inject_some_duplicate_units",
    "inject_some_split_units",
    "synthetize_spike_train_bad_isi",
    "generate_sorting_to_inject",
    "SortingGenerator",
    "SortingGeneratorSegment",
    "TransformSorting",
]


def _firing_rates(firing_rates: Any, num_units: int, seed: Any) -> np.ndarray:
    """One rate per unit: a scalar, one value per unit, or a ``(low, high)`` range."""
    if isinstance(firing_rates, tuple):
        low, high = firing_rates
        return np.random.default_rng(seed=seed).uniform(low, high, num_units)
    if np.isscalar(firing_rates):
        return np.full(num_units, float(firing_rates))  # type: ignore[arg-type]
    rates = np.asarray(firing_rates, dtype=np.float64)
    if rates.shape != (num_units,):
        raise ext_error(
            "firing_rates", f"a rate, a (low, high) range or {num_units} rates", firing_rates
        )
    return rates


def _check_rates(rates: np.ndarray, refractory_s: Any, refractory_ms: Any) -> None:
    if np.any(~np.isfinite(rates)) or np.any(rates <= 0):
        raise ext_error("firing_rates", "finite rates > 0 (Hz)", rates.tolist())
    if np.any(np.asarray(refractory_s) >= 1.0 / rates):
        raise ExtractorValueError(
            f"The given refractory period {refractory_ms} is too long for the firing rates "
            f"{rates.tolist()}: a refractory period must be shorter than 1 / rate."
        )


def synthesize_poisson_spike_vector(
    num_units: int = 20,
    sampling_frequency: float = 30000.0,
    duration: float = 60.0,
    refractory_period_ms: float = 4.0,
    firing_rates: Any = 3.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """Poisson spikes with a refractory period for one segment: ``(frames, unit_indices)``
    sorted by frame, then unit.

    Intervals are geometric (per sample) at the rate ``r / (1 - r * refractory)``, plus the
    refractory period, so that the mean rate stays ``r`` (Deger et al., 2012).

    Raises
    ------
    memphys.errors.ExtractorValueError
        If a rate is not positive or the refractory period is longer than ``1 / rate``.
    """
    num_units = check_int("num_units", num_units, minimum=0)
    fs = check_sampling_frequency(sampling_frequency)
    rng = np.random.default_rng(seed=seed)
    rates = _firing_rates(firing_rates, num_units, seed)
    refractory_s = refractory_period_ms / 1000.0
    if num_units == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.uint16)
    _check_rates(rates, refractory_s, refractory_period_ms)
    refractory_frames = int(refractory_s * fs)
    last_frame = int(duration * fs) - 1
    p_max = float(np.max(rates / fs))
    expected = math.ceil(last_frame * p_max)
    per_unit = expected + 4 * int(np.sqrt(expected * (1 - p_max)))
    p = np.minimum(rates / (1 - rates * refractory_s) / fs, 1.0)
    # one draw for all units (the stream SpikeInterface draws, so seeds agree)
    frames = rng.geometric(p=p[:, np.newaxis], size=(num_units, per_unit))
    frames[:, 1:] += refractory_frames
    np.cumsum(frames, axis=1, out=frames)
    flat = frames.ravel()
    keep = flat <= last_frame
    kept = int(np.count_nonzero(keep))
    flat[:kept] = flat[keep]
    units = np.repeat(np.arange(num_units, dtype=np.uint16), per_unit)[keep]
    flat = flat[:kept]
    order = np.argsort(flat, kind="stable")  # unit-major input: ties stay in unit order
    return flat[order], units[order]


def generate_sorting(
    num_units: int = 5,
    sampling_frequency: float = 30000.0,
    durations: Any = (10.325, 3.5),
    firing_rates: Any = 3.0,
    empty_units: Any = None,
    refractory_period_ms: float = 4.0,
    add_spikes_on_borders: bool = False,
    num_spikes_per_border: int = 3,
    border_size_samples: int = 20,
    t_starts: Any = None,
    seed: int | None = None,
    firing_rate: float | None = None,
) -> NumpySorting:
    """A :class:`~memphys.ephys.NumpySorting` of Poisson units (ids ``"0"``, ``"1"``, ...).

    Parameters
    ----------
    num_units : int, default 5
    sampling_frequency : float, default 30000.0
    durations : sequence of float, default (10.325, 3.5)
        Seconds per segment.
    firing_rates : float, sequence or (low, high), default 3.0
        Hz, for all units, per unit, or drawn uniformly in a range.
    empty_units : sequence, optional
        Units (indices or ids) left without spikes.
    refractory_period_ms : float, default 4.0
    add_spikes_on_borders : bool, default False
        Add ``num_spikes_per_border`` spikes within ``border_size_samples`` of each end of
        every segment.
    t_starts : sequence of float, optional
        Start time of each segment.
    seed : int, optional
        Same seed, same spikes (and the same as SpikeInterface's ``generate_sorting``).
    firing_rate : float, optional
        Older spelling of ``firing_rates``.
    """
    if firing_rate is not None:
        firing_rates = firing_rate
    num_units = check_int("num_units", num_units, minimum=0)
    fs = check_sampling_frequency(sampling_frequency)
    durations = list(np.atleast_1d(durations).tolist())
    if not durations or any(not np.isfinite(d) or d <= 0 for d in durations):
        raise ext_error("durations", "a list of durations > 0 (s), one per segment", durations)
    if t_starts is not None and len(t_starts) != len(durations):
        raise ext_error("t_starts", f"{len(durations)} start times (one per segment)", t_starts)
    seed = _ensure_seed(seed)
    rng = np.random.default_rng(seed)
    unit_ids = [str(i) for i in range(num_units)]
    empty_idx: np.ndarray | None = None
    if empty_units is not None:
        empty_idx = np.array(
            [
                unit_ids.index(u) if isinstance(u, str) and u in unit_ids else int(u)
                for u in empty_units
            ],
            dtype=np.int64,
        )
    pieces = []
    for seg, duration in enumerate(durations):
        n_samples = int(fs * duration)
        frames, labels = synthesize_poisson_spike_vector(
            num_units=num_units,
            sampling_frequency=fs,
            duration=duration,
            refractory_period_ms=refractory_period_ms,
            firing_rates=firing_rates,
            seed=seed + seg,
        )
        if empty_idx is not None and empty_idx.size:
            keep = ~np.isin(labels, empty_idx)
            frames, labels = frames[keep], labels[keep]
        piece = np.empty(frames.size, dtype=SPIKE_DTYPE)
        piece["sample_index"] = frames
        piece["unit_index"] = labels
        piece["segment_index"] = seg
        if add_spikes_on_borders and num_units:
            n = int(num_spikes_per_border)
            border = np.zeros(2 * n, dtype=SPIKE_DTYPE)
            border["segment_index"] = seg
            border["unit_index"] = rng.choice(num_units, size=2 * n, replace=True)
            border["sample_index"][:n] = rng.integers(0, border_size_samples, n)
            border["sample_index"][n:] = rng.integers(n_samples - border_size_samples, n_samples, n)
            piece = np.concatenate([piece, border])
            piece = piece[np.lexsort((piece["unit_index"], piece["sample_index"]))]
        pieces.append(piece)
    spikes = np.concatenate(pieces)
    sorting = NumpySorting(spikes, fs, unit_ids, num_segments=len(durations))
    if t_starts is not None:
        for seg, t0 in enumerate(t_starts):
            sorting.segments[seg]._t_start = float(t0)
            sorting.segments[seg]._native_t_start = float(t0)
    return sorting


def synthesize_random_firings(
    num_units: int = 20,
    sampling_frequency: float = 30000.0,
    duration: float = 60,
    refractory_period_ms: float = 4.0,
    firing_rates: Any = 3.0,
    add_shift_shuffle: bool = False,
    seed: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Uniformly drawn spikes for one segment, ``int(rate * duration)`` per unit (fewer
    only if the refractory period leaves too few): ``(times, labels)`` in samples, sorted.

    ``add_shift_shuffle`` jitters half of the spikes (a less flat autocorrelogram)."""
    num_units = check_int("num_units", num_units, minimum=0)
    fs = check_sampling_frequency(sampling_frequency)
    rng = np.random.default_rng(seed=seed)
    rates = _firing_rates(firing_rates, num_units, seed)
    refractory = int(refractory_period_ms / 1000.0 * fs)
    size = int(fs * duration)
    times = []
    labels = []
    for u in range(num_units):  # a handful of units: the work is vectorised per unit
        n_spikes = int(rates[u] * duration)
        n = int(n_spikes + 10 * np.sqrt(n_spikes))
        st = np.sort(rng.integers(0, size, n))
        if add_shift_shuffle:
            some = rng.choice(st.size, st.size // 2, replace=False)
            x = rng.random(some.size)
            a, b = refractory, refractory * 20
            st[some] += (a + (b - a) * x**2).astype("int64")
            st = st[(st >= 0) & (st < size)]
        (violations,) = np.nonzero(np.diff(st) < refractory)
        st = np.delete(st, violations)
        if st.size > n_spikes:
            st = rng.choice(st, n_spikes, replace=False)
        times.append(st.astype("int64"))
        labels.append(np.full(st.size, u, dtype="int64"))
    t = np.concatenate(times) if times else np.zeros(0, np.int64)
    lab = np.concatenate(labels) if labels else np.zeros(0, np.int64)
    order = np.lexsort((lab, t))
    return t[order], lab[order]


def create_sorting_npz(num_seg: int, file_path: str | Path) -> None:
    """Write a small test sorting as an ``.npz`` file: 3 units, 100 spikes per segment."""
    num_seg = check_int("num_seg", num_seg, minimum=1)
    d: dict[str, np.ndarray] = {
        "unit_ids": np.array([0, 1, 2], dtype="int64"),
        "num_segment": np.array([num_seg], dtype="int64"),
        "sampling_frequency": np.array([30000.0], dtype="float64"),
    }
    for seg in range(num_seg):
        idx = np.arange(0, 1000, 10)
        d[f"spike_indexes_seg{seg}"] = idx
        d[f"spike_labels_seg{seg}"] = np.arange(idx.size, dtype="int64") % 3
    np.savez(file_path, **d)  # type: ignore[arg-type]


def clean_refractory_period(times: np.ndarray, refractory_period: float) -> np.ndarray:
    """``times`` sorted, without the spikes closer than ``refractory_period`` to the
    previous kept one (same units as ``times``)."""
    times = np.sort(np.asarray(times))
    while times.size:
        (bad,) = np.nonzero(np.diff(times) <= refractory_period)
        if bad.size == 0:
            break
        keep = np.ones(times.size, dtype=bool)
        keep[bad + 1] = False
        times = times[keep]
    return times


def synthetize_spike_train_bad_isi(
    duration: float, baseline_rate: float, num_violations: int, violation_delta: float = 1e-5
) -> np.ndarray:
    """A regular spike train (s) with ``num_violations`` extra spikes ``violation_delta``
    after some of its spikes."""
    isis = np.ones(int(duration * baseline_rate)) / baseline_rate
    train = np.cumsum(isis)
    extra = train[: int(num_violations)] + violation_delta
    return np.sort(np.concatenate([train, extra[extra < duration]]))


def inject_some_duplicate_units(
    sorting: BaseSorting,
    num: int = 4,
    max_shift: int = 5,
    ratio: float | None = None,
    seed: int | None = None,
) -> TransformSorting:
    """The sorting plus ``num`` units copying the first units' spikes, shifted by up to
    ``max_shift`` samples (a ``ratio`` of their spikes only, if given)."""
    rng = np.random.default_rng(seed)
    base = int(np.max(sorting.unit_ids.astype(int)))
    other_ids = np.arange(base + 1, base + num + 1).astype(sorting.unit_ids.dtype)
    shifts = rng.integers(low=-max_shift, high=max_shift, size=num)
    shifts[shifts == 0] += max_shift
    dicts = []
    for seg in range(sorting.get_num_segments()):
        d = {}
        for i, uid in enumerate(other_ids):
            original = sorting.get_unit_spike_train(sorting.unit_ids[i], segment_index=seg)
            t = original + shifts[i]
            if ratio is not None:
                if not 0.0 < ratio <= 1.0:
                    raise ext_error("ratio", "a number in (0, 1]", ratio)
                t = t[rng.choice(original.size, int(original.size * ratio), replace=False)]
            last = original[-1] if original.size else 0
            d[uid] = np.sort(np.clip(t, 0, last))
        dicts.append(d)
    added = NumpySorting.from_unit_dict(dicts, sampling_frequency=sorting.get_sampling_frequency())
    return TransformSorting.add_from_sorting(sorting, added)


def inject_some_split_units(
    sorting: BaseSorting,
    split_ids: list[Any],
    num_split: int = 2,
    output_ids: bool = False,
    seed: int | None = None,
) -> Any:
    """The sorting with each unit of ``split_ids`` split at random into ``num_split`` new
    units (and the ``{old: new ids}`` map with ``output_ids``)."""
    unit_ids = sorting.unit_ids
    is_int = unit_ids.dtype.kind in "iu"
    if not is_int and not np.char.isdigit(unit_ids.astype(str)).all():
        raise ExtractorValueError("Not all Unit IDs are parsable as integers.")
    m = int(np.max(unit_ids.astype(int))) + 1
    other: dict[Any, Any] = {}
    for uid in split_ids:
        new = np.arange(m, m + num_split).astype(int)
        other[uid] = new if is_int else [str(x) for x in new]
        m += num_split
    rng = np.random.default_rng(seed)
    dicts = []
    for seg in range(sorting.get_num_segments()):
        d: dict[Any, Any] = {}
        for uid in unit_ids:
            st = sorting.get_unit_spike_train(uid, segment_index=seg)
            if uid in split_ids:
                which = rng.integers(0, num_split, st.size)
                for k in range(num_split):
                    d[other[uid][k]] = st[which == k]
            else:
                d[uid] = st
        dicts.append(d)
    out = NumpySorting.from_unit_dict(dicts, sampling_frequency=sorting.get_sampling_frequency())
    return (out, other) if output_ids else out


def generate_sorting_to_inject(
    sorting: BaseSorting,
    num_samples: list[int],
    max_injected_per_unit: int = 1000,
    injected_rate: float = 0.05,
    refractory_period_ms: float = 1.5,
    seed: int | None = None,
) -> NumpySorting:
    """Spikes that can be added to ``sorting`` without violating any unit's refractory
    period (at most ``injected_rate`` of each unit's spikes, ``max_injected_per_unit``)."""
    rng = np.random.default_rng(seed=seed)
    t_r = round(refractory_period_ms * sorting.get_sampling_frequency() * 1e-3)
    dicts: list[dict[Any, np.ndarray]] = [{} for _ in range(sorting.get_num_segments())]
    for seg in range(sorting.get_num_segments()):
        for uid in sorting.unit_ids:
            st = sorting.get_unit_spike_train(uid, segment_index=seg)
            n_inj = min(max_injected_per_unit, round(injected_rate * st.size))
            n = int(n_inj + 10 * np.sqrt(n_inj))
            inj = np.sort(rng.uniform(0, num_samples[seg], size=n).astype(np.int64))
            inj = np.delete(inj, np.where(np.diff(inj) < t_r)[0])
            if st.size and inj.size:
                # distance to the nearest spike of the unit, by searchsorted (no n x m matrix)
                pos = np.searchsorted(st, inj)
                left = np.abs(inj - st[np.clip(pos - 1, 0, st.size - 1)])
                right = np.abs(st[np.clip(pos, 0, st.size - 1)] - inj)
                inj = inj[np.minimum(left, right) >= t_r]
            if inj.size > n_inj:
                inj = np.sort(rng.choice(inj, n_inj, replace=False))
            dicts[seg][uid] = inj
    return NumpySorting.from_unit_dict(dicts, sorting.get_sampling_frequency())


class SortingGenerator(BaseSorting):
    """A lazy Poisson sorting: each unit's train is generated when asked for, from
    ``(seed, segment, unit index)`` only, so it is the same on every call and in every
    process, and the object costs bytes whatever the duration."""

    def __init__(
        self,
        num_units: int = 20,
        sampling_frequency: float = 30_000.0,
        durations: Any = (10.325, 3.5),
        firing_rates: Any = 3.0,
        refractory_period_ms: Any = 4.0,
        seed: int | None = 0,
    ) -> None:
        num_units = check_int("num_units", num_units, minimum=0)
        BaseSorting.__init__(self, sampling_frequency, [str(i) for i in range(num_units)])
        rates = _firing_rates(firing_rates, num_units, seed)
        refractory_s = np.broadcast_to(
            np.asarray(refractory_period_ms, dtype=np.float64) / 1000.0, (num_units,)
        )
        if num_units:
            _check_rates(rates, refractory_s, refractory_period_ms)
        seed = _ensure_seed(seed)
        self.seed = seed
        durations = list(np.atleast_1d(durations).tolist())
        for seg, duration in enumerate(durations):
            self.add_sorting_segment(
                SortingGeneratorSegment(
                    num_units, self.sampling_frequency, duration, rates, refractory_s, seed + seg
                )
            )
        self._kwargs = {
            "num_units": num_units,
            "sampling_frequency": sampling_frequency,
            "durations": durations,
            "firing_rates": firing_rates if np.isscalar(firing_rates) else rates.tolist(),
            "refractory_period_ms": refractory_period_ms
            if np.isscalar(refractory_period_ms)
            else np.asarray(refractory_period_ms).tolist(),
            "seed": seed,
        }


class SortingGeneratorSegment(BaseSortingSegment):
    """Trains of one segment of a :class:`SortingGenerator`, computed per unit."""

    def __init__(
        self,
        num_units: int,
        sampling_frequency: float,
        duration: float,
        firing_rates: np.ndarray,
        refractory_period_seconds: np.ndarray,
        seed: int,
        t_start: float | None = None,
    ) -> None:
        BaseSortingSegment.__init__(self, t_start)
        self.num_units = num_units
        self.sampling_frequency = float(sampling_frequency)
        self.duration = float(duration)
        self.firing_rates = firing_rates
        self.refractory_period_seconds = refractory_period_seconds
        self.segment_seed = int(seed)
        self.num_samples = math.ceil(sampling_frequency * duration)

    def get_unit_spike_train(
        self, unit_id: Any, start_frame: int | None = None, end_frame: int | None = None
    ) -> np.ndarray:
        u = self.parent_extractor._unit_index(unit_id)
        rng = np.random.default_rng(np.random.SeedSequence([self.segment_seed, u]))
        rate = float(self.firing_rates[u])
        refractory = float(self.refractory_period_seconds[u])
        last = int(self.duration * self.sampling_frequency) - 1
        p = rate / self.sampling_frequency
        expected = math.ceil(last * p)
        n = expected + 4 * int(np.sqrt(expected * (1 - p))) + 1
        p_mod = min(rate / (1 - rate * refractory) / self.sampling_frequency, 1.0)
        frames = rng.geometric(p=p_mod, size=n)
        frames[1:] += int(refractory * self.sampling_frequency)
        np.cumsum(frames, out=frames)
        frames = frames[frames <= last]
        a = 0 if start_frame is None else np.searchsorted(frames, start_frame, side="left")
        b = frames.size if end_frame is None else np.searchsorted(frames, end_frame, side="left")
        return frames[a:b]


class TransformSorting(BaseSorting):
    """``sorting`` plus added spikes (of its units, and of new units), with boolean masks
    over the spike vector telling which spikes were added.

    Parameters
    ----------
    sorting : BaseSorting
    added_spikes_existing_units, added_spikes_new_units : spike vector, optional
        Spikes to add (``unit_index`` in the new unit order: existing units first).
    new_unit_ids : sequence, optional
        Ids of the new units (not already in ``sorting``).
    refractory_period_ms : float, optional
        Added spikes of existing units closer than this to the previous spike of their
        unit are dropped.
    """

    def __init__(
        self,
        sorting: BaseSorting,
        added_spikes_existing_units: np.ndarray | None = None,
        added_spikes_new_units: np.ndarray | None = None,
        new_unit_ids: Any = None,
        refractory_period_ms: float | None = None,
    ) -> None:
        unit_ids = list(sorting.unit_ids.tolist())
        if new_unit_ids is not None and len(new_unit_ids):
            new_unit_ids = list(np.asarray(new_unit_ids).tolist())
            if np.any(np.isin(new_unit_ids, sorting.unit_ids)):
                raise ExtractorValueError(
                    "Some new unit ids are already present. Consider using "
                    "added_spikes_existing_units."
                )
            if unit_ids and type(unit_ids[0]) is not type(new_unit_ids[0]):
                raise ExtractorValueError("unit_ids should have the same type.")
            unit_ids = unit_ids + new_unit_ids
        BaseSorting.__init__(self, sorting.get_sampling_frequency(), unit_ids)
        self.parent_unit_ids = sorting.unit_ids
        self.refractory_period_ms = refractory_period_ms
        base = np.asarray(sorting.to_spike_vector())[
            ["sample_index", "unit_index", "segment_index"]
        ]
        parts = [np.asarray(base, dtype=SPIKE_DTYPE)]
        kinds = [np.zeros(base.size, dtype=np.int8)]
        for code, added in ((1, added_spikes_existing_units), (2, added_spikes_new_units)):
            if added is not None and len(added):
                if added.dtype != SPIKE_DTYPE:
                    raise ext_error(
                        "added spikes",
                        "a spike vector (minimum_spike_dtype)",
                        f"dtype {added.dtype}",
                    )
                parts.append(added)
                kinds.append(np.full(added.size, code, dtype=np.int8))
        spikes = np.concatenate(parts)
        kind = np.concatenate(kinds)
        order = np.lexsort((spikes["unit_index"], spikes["sample_index"], spikes["segment_index"]))
        spikes, kind = spikes[order], kind[order]
        if refractory_period_ms is not None:
            keep = self._refractory_keep(spikes, kind, len(unit_ids), sorting.get_num_segments())
            spikes, kind = spikes[keep], kind[keep]
        self.added_spikes_from_existing_mask = kind == 1
        self.added_spikes_from_new_mask = kind == 2
        n_seg = sorting.get_num_segments()
        trains = UnitTrains(spikes, len(unit_ids), n_seg)
        for seg in range(n_seg):
            self.add_sorting_segment(
                SpikeVectorSortingSegment(spikes, seg, self.unit_ids, trains=trains)
            )
            self.segments[seg]._t_start = sorting.segments[seg]._t_start
        self._cached_spike_vector = spikes
        self._cached_unit_trains = trains
        self._kwargs = dict(
            sorting=sorting,
            added_spikes_existing_units=added_spikes_existing_units,
            added_spikes_new_units=added_spikes_new_units,
            new_unit_ids=new_unit_ids,
            refractory_period_ms=refractory_period_ms,
        )

    def _refractory_keep(
        self, spikes: np.ndarray, kind: np.ndarray, n_units: int, n_seg: int
    ) -> np.ndarray:
        rpv = int(self.get_sampling_frequency() * float(self.refractory_period_ms or 0) / 1000)
        keep = kind != 1
        if spikes.size < 2:
            return keep | True
        ordered, order, counts = reorder_spike_vector_by_unit_and_segment(spikes, n_units, n_seg)
        samples = ordered["sample_index"]
        same_group = np.ones(spikes.size, dtype=bool)
        starts = np.cumsum(counts) - counts
        same_group[starts[counts > 0]] = False  # the first spike of each (unit, segment)
        far = np.ones(spikes.size, dtype=bool)
        far[1:] = np.diff(samples) > rpv
        ok = ~same_group | far
        keep[order] |= ok
        return keep

    @property
    def added_spikes_mask(self) -> np.ndarray:
        return self.added_spikes_from_existing_mask | self.added_spikes_from_new_mask

    def get_added_spikes_indices(self) -> np.ndarray:
        return np.nonzero(self.added_spikes_mask)[0]

    def get_added_spikes_from_existing_indices(self) -> np.ndarray:
        return np.nonzero(self.added_spikes_from_existing_mask)[0]

    def get_added_spikes_from_new_indices(self) -> np.ndarray:
        return np.nonzero(self.added_spikes_from_new_mask)[0]

    def get_added_units_inds(self) -> np.ndarray:
        """The ids of the added units (named as in SpikeInterface)."""
        return self.unit_ids[len(self.parent_unit_ids) :]

    @staticmethod
    def add_from_sorting(
        sorting1: BaseSorting, sorting2: BaseSorting, refractory_period_ms: float | None = None
    ) -> TransformSorting:
        """``sorting1`` plus the spikes of ``sorting2`` (its units matched by id; the
        others become new units)."""
        if sorting1.get_sampling_frequency() != sorting2.get_sampling_frequency():
            raise ExtractorValueError(
                f"sampling_frequency should be the same: {sorting1.get_sampling_frequency()} and "
                f"{sorting2.get_sampling_frequency()}."
            )
        if (
            sorting1.get_num_units()
            and sorting2.get_num_units()
            and sorting1.unit_ids.dtype.kind != sorting2.unit_ids.dtype.kind
        ):
            raise ExtractorValueError("unit_ids should have the same type.")
        in1 = np.isin(sorting2.unit_ids, sorting1.unit_ids)
        common = sorting2.unit_ids[in1]
        exclusive = sorting2.unit_ids[~in1]
        mapping = np.empty(sorting2.get_num_units(), dtype=np.int64)
        if common.size:
            mapping[np.asarray(sorting2.ids_to_indices(common))] = np.asarray(
                sorting1.ids_to_indices(common)
            )
        if exclusive.size:
            mapping[sorting2.ids_to_indices(exclusive)] = sorting1.get_num_units() + np.arange(
                exclusive.size
            )
        sv2 = sorting2.to_spike_vector()
        from_existing = in1[sv2["unit_index"]] if sv2.size else np.zeros(0, bool)
        existing = np.array(sv2[from_existing], dtype=SPIKE_DTYPE)
        existing["unit_index"] = mapping[existing["unit_index"]]
        new = np.array(sv2[~from_existing], dtype=SPIKE_DTYPE)
        new["unit_index"] = mapping[new["unit_index"]]
        return TransformSorting(
            sorting1,
            added_spikes_existing_units=existing,
            added_spikes_new_units=new,
            new_unit_ids=exclusive,
            refractory_period_ms=refractory_period_ms,
        )

    @staticmethod
    def add_from_unit_dict(
        sorting1: BaseSorting, units_dict_list: Any, refractory_period_ms: float | None = None
    ) -> TransformSorting:
        """``sorting1`` plus the spikes of ``{unit_id: samples}`` dicts (one per segment)."""
        sorting2 = NumpySorting.from_unit_dict(units_dict_list, sorting1.get_sampling_frequency())
        return TransformSorting.add_from_sorting(sorting1, sorting2, refractory_period_ms)

    @staticmethod
    def from_samples_and_labels(
        sorting1: BaseSorting,
        times_list: Any,
        labels_list: Any,
        sampling_frequency: float,
        unit_ids: Any = None,
        refractory_period_ms: float | None = None,
    ) -> TransformSorting:
        """``sorting1`` plus spikes given as samples and labels."""
        sorting2 = NumpySorting.from_samples_and_labels(
            times_list, labels_list, sampling_frequency, unit_ids
        )
        return TransformSorting.add_from_sorting(sorting1, sorting2, refractory_period_ms)
