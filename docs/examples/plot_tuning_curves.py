"""
Tuning curves
=============

``plot_tuning_curves`` draws what ``compute_tuning_curves`` returns: one line per unit
for one feature (or a polar plot for an angle), one map per unit for two features.
"""

# %%
import numpy as np

import memphys as nap
from memphys.plot import plot_tuning_curves

rng = np.random.default_rng(3)
t = np.arange(0.0, 600.0, 0.02)
angle = nap.Tsd(t=t, d=np.cumsum(rng.normal(0, 0.08, len(t))) % (2 * np.pi))
units = {}
for k, preferred in enumerate([0.5, 2.0, 3.5, 5.0]):
    rate = 2 + 25 * np.exp(3 * (np.cos(angle.values - preferred) - 1))
    units[k] = nap.Ts(t=t[rng.random(len(t)) < rate * 0.02])
group = nap.TsGroup(units)
tcs = nap.compute_tuning_curves(group, angle, bins=36, feature_names=["head direction"])
out = plot_tuning_curves(tcs, polar=True)

# %%
# Two features: position in a 2-D box.
xy = nap.TsdFrame(
    t=t,
    d=np.column_stack([np.cumsum(rng.normal(0, 1, len(t))), np.cumsum(rng.normal(0, 1, len(t)))])
    % 100,
    columns=["x", "y"],
)
place = {}
for k, (cx, cy) in enumerate([(25, 25), (70, 40), (40, 80)]):
    d2 = (xy.values[:, 0] - cx) ** 2 + (xy.values[:, 1] - cy) ** 2
    place[k] = nap.Ts(t=t[rng.random(len(t)) < (0.5 + 20 * np.exp(-d2 / 200)) * 0.02])
maps = nap.compute_tuning_curves(nap.TsGroup(place), xy, bins=20)
out = plot_tuning_curves(maps)
