"""N-dimensional tuning curves, mutual information and responses per epoch (pynapple's API).

The features (position, head direction, ...) may be lazy TsdFrames (memmap, zarr): they
are read epoch by epoch through their own ``iter_chunks`` (occupancy, bin ranges) and
``value_from`` (the feature at each spike or sample, reading only the rows needed), never
as one whole array. Counts are integer ``bincount`` sums over numpy's ``histogramdd`` bins,
so they equal pynapple's exactly; all units of a group are binned in one pass (spike times
merged and labelled), not one histogram per unit.

Examples
--------
>>> import numpy as np
>>> import memphys as nap
>>> t = np.arange(0.0, 100.0, 0.1)
>>> feature = nap.Tsd(t=t, d=t % 1)
>>> group = nap.TsGroup({1: nap.Ts(t), 2: nap.Ts(np.arange(0.0, 100.0, 0.2))})
>>> tcs = nap.compute_tuning_curves(group, feature, bins=5)
>>> tcs.dims, tcs.shape
(('unit', '0'), (2, 5))
>>> tcs.sel(unit=1).values.round(6).tolist()
[10.0, 10.0, 10.0, 10.0, 10.0]
"""

from __future__ import annotations

from memphys.process._tuning_core import (
    compute_mutual_information,
    compute_response_per_epoch,
    compute_tuning_curves,
)
from memphys.process._tuning_legacy import (
    compute_1d_mutual_info,
    compute_1d_tuning_curves,
    compute_1d_tuning_curves_continuous,
    compute_2d_mutual_info,
    compute_2d_tuning_curves,
    compute_2d_tuning_curves_continuous,
    compute_discrete_tuning_curves,
)

__all__ = [
    "compute_1d_mutual_info",
    "compute_1d_tuning_curves",
    "compute_1d_tuning_curves_continuous",
    "compute_2d_mutual_info",
    "compute_2d_tuning_curves",
    "compute_2d_tuning_curves_continuous",
    "compute_discrete_tuning_curves",
    "compute_mutual_information",
    "compute_response_per_epoch",
    "compute_tuning_curves",
]
