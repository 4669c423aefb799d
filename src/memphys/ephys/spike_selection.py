"""Which spikes an analyzer looks at: SpikeInterface's ``random_spikes_selection``.

``method="uniform"`` draws, per unit, up to ``max_spikes_per_unit`` spikes without
replacement with ``numpy.random.default_rng(seed)``, in SpikeInterface's order (units in
order; for each unit its spikes' positions in the spike vector, segment by segment): the
same seed selects the same spikes as SpikeInterface 0.105. ``"percentage"`` and
``"maximum_rate"`` cap the draw by a fraction of the unit's spikes or a rate over the total
duration; ``"all"`` keeps every spike. ``margin_size`` (samples) excludes spikes that close
to a segment's borders (needs ``num_samples``; ignored by ``"all"``, as in
SpikeInterface). The result is the sorted positions of the
selected spikes in ``sorting.to_spike_vector()``.

Examples
--------
>>> import numpy as np
>>> from memphys.ephys import NumpySorting
>>> sorting = NumpySorting.from_samples_and_labels(
...     [np.array([5, 10, 20, 30, 40, 50])], [np.array([0, 1, 0, 1, 0, 1])], 1000.0)
>>> random_spikes_selection(sorting, method="all")
array([0, 1, 2, 3, 4, 5])
>>> random_spikes_selection(sorting, max_spikes_per_unit=2, seed=0).size
4
>>> random_spikes_selection(sorting, [60], max_spikes_per_unit=9, margin_size=10)
array([1, 2, 3, 4])
"""

from __future__ import annotations

from typing import Any

import numpy as np

from memphys.ephys._check import check_in
from memphys.errors import ExtractorValueError

__all__ = ["random_spikes_selection"]


def _unit_positions(spikes: np.ndarray, num_units: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions of the spikes grouped by unit (increasing within a unit) and the bounds
    of each unit's group."""
    units = np.asarray(spikes["unit_index"])
    order = np.argsort(units, kind="stable")
    counts = np.bincount(units, minlength=num_units) if units.size else np.zeros(num_units, int)
    bounds = np.concatenate([[0], np.cumsum(counts)])
    return order, bounds


def random_spikes_selection(
    sorting: Any,
    num_samples: list[int] | None = None,
    method: str = "uniform",
    max_spikes_per_unit: int = 500,
    margin_size: int | None = None,
    seed: int | None = None,
    percentage: float | None = None,
    maximum_rate: float | None = None,
) -> np.ndarray:
    """Positions in ``sorting.to_spike_vector()`` of randomly selected spikes (see the
    module docstring).

    Raises
    ------
    memphys.errors.ExtractorValueError
        For an unknown method, ``margin_size`` without ``num_samples``, a percentage
        outside (0, 1], or a missing ``maximum_rate``.
    """
    check_in("method", method, ("uniform", "all", "percentage", "maximum_rate"))
    spikes = sorting.to_spike_vector()
    if method == "all":
        return np.arange(spikes.size, dtype=np.int64)
    if isinstance(max_spikes_per_unit, bool) or int(max_spikes_per_unit) < 0:
        raise ExtractorValueError(
            f"Invalid value for `max_spikes_per_unit`: expected an integer >= 0, but got "
            f"{max_spikes_per_unit!r}."
        )
    if method == "percentage" and (percentage is None or not 0 < float(percentage) <= 1):
        raise ExtractorValueError(
            f"Invalid value for `percentage`: expected a fraction in (0, 1], but got "
            f"{percentage!r}."
        )
    if method == "maximum_rate" and maximum_rate is None:
        raise ExtractorValueError("For method='maximum_rate', give `maximum_rate` (spikes/s).")
    rng = np.random.default_rng(seed=seed)
    keep_mask = None if margin_size is None else _margin_mask(spikes, num_samples, margin_size)
    order, bounds = _unit_positions(spikes, sorting.get_num_units())
    duration = 0.0
    if method == "maximum_rate":
        duration = _total_duration(sorting, num_samples)
    chosen = []
    for u in range(sorting.get_num_units()):
        positions = order[bounds[u] : bounds[u + 1]]
        if keep_mask is not None:
            positions = positions[keep_mask[positions]]
        if method == "uniform":
            size = min(int(max_spikes_per_unit), positions.size)
        elif method == "percentage":
            size = min(int(max_spikes_per_unit), int(positions.size * float(percentage)))  # type: ignore[arg-type]
        else:
            size = min(
                int(duration * float(maximum_rate)),  # type: ignore[arg-type]
                int(max_spikes_per_unit),
                positions.size,
            )
        chosen.append(rng.choice(positions, size=size, replace=False, shuffle=False))
    if not chosen:
        return np.zeros(0, dtype=np.int64)
    return np.sort(np.concatenate(chosen)).astype(np.int64, copy=False)


def _margin_mask(spikes: np.ndarray, num_samples: Any, margin_size: int) -> np.ndarray:
    if num_samples is None:
        raise ExtractorValueError("num_samples must be provided when margin_size is used")
    n = np.asarray(num_samples, dtype=np.int64)
    seg = np.asarray(spikes["segment_index"])
    if seg.size and int(seg.max()) >= n.size:
        raise ExtractorValueError(
            f"Invalid value for `num_samples`: expected one length per segment (at least "
            f"{int(seg.max()) + 1}), but got {n.size}."
        )
    s = np.asarray(spikes["sample_index"])
    return (s >= margin_size) & (s < n[seg] - margin_size)


def _total_duration(sorting: Any, num_samples: Any) -> float:
    fs = sorting.get_sampling_frequency()
    if num_samples is not None:
        return float(np.sum(num_samples)) / fs
    total = 0.0
    for s in range(sorting.get_num_segments()):
        try:
            total += sorting.get_num_samples(s) / fs
        except Exception:
            total += (sorting.get_last_spike_frame(s) + 1) / fs
    return total
