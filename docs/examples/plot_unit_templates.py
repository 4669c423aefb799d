"""
Unit templates, waveforms and sparsity of a sorting analyzer
============================================================

A ground-truth recording (units' templates injected into noise on a 2-column probe) and
its sorting, analysed with :func:`memphys.ephys.create_sorting_analyzer` as in
SpikeInterface: random spikes, their waveforms and the templates are computed in one
pass over the recording. ``plot_unit_templates`` draws each unit's template (±1 standard
deviation shaded) at the locations of its sparse channels, ``plot_unit_waveforms`` the
individual waveforms under it, and ``plot_sparsity`` which channels each unit keeps.
"""

# %%
import matplotlib.pyplot as plt

import memphys.ephys as si
from memphys.plot import plot_sparsity, plot_unit_templates, plot_unit_waveforms

recording, sorting = si.generate_ground_truth_recording(
    durations=[10.0], num_channels=16, num_units=6, seed=2
)
analyzer = si.create_sorting_analyzer(
    sorting, recording, sparse=True, sparsity_kwargs={"radius_um": 50.0}
)
analyzer.compute(["random_spikes", "waveforms", "templates"], progress_bar=False)
print(analyzer)

# %%
# Each unit in its own axes, at the probe's layout (depth in µm; one amplitude scale
# for all units, so that they compare).
out = plot_unit_templates(analyzer)
print("channels drawn per unit:", {str(u): len(c) for u, c in out["channel_indices"].items()})

# %%
# Fifty waveforms of two units, their average template over them.
fig, axes = plt.subplots(1, 2, figsize=(6, 4), sharey=True, layout="constrained")
out = plot_unit_waveforms(analyzer, unit_ids=analyzer.unit_ids[:2], ax=list(axes))
print("waveforms drawn:", out["n_spikes"])

# %%
plot_sparsity(analyzer)
