"""
A probe, and traces stacked by depth
====================================

A :mod:`memphys.ephys` recording with a probe attached: ``plot_probe`` draws the
probe's geometry (probeinterface), its channel ids and its shanks; ``plot_traces``
stacks the channels by depth, the deepest at the bottom, whatever their order in the
file, and draws them in µV.
"""

# %%
import matplotlib.pyplot as plt
import numpy as np
from probeinterface import generate_multi_shank

import memphys.ephys as si
from memphys.plot import plot_probe, plot_traces

probe = generate_multi_shank(num_shank=2, num_columns=2, num_contact_per_column=8)
n = probe.get_contact_count()
rng = np.random.default_rng(0)
probe.set_device_channel_indices(rng.permutation(n))  # contacts wired in a scrambled order

rec = si.generate_recording(num_channels=n, durations=[10.0], seed=0)
rec.set_probe(probe)
print(rec)

# %%
fig, (left, right) = plt.subplots(
    1, 2, figsize=(10, 6), width_ratios=[1, 2.4], layout="constrained"
)
plot_probe(rec, ax=left)
out = plot_traces(rec, 2.0, 2.05, ax=right, title="50 ms, by depth")
print("drawn bottom to top:", out.channel_ids[np.argsort(out.offsets)][:6], "...")
