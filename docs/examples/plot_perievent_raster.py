"""
Raster and PSTH around events
=============================

``plot_perievent`` aligns spikes on events with ``compute_perievent`` and draws one mark
per spike (a row per event) above the peri-stimulus time histogram. A continuous signal is
drawn as an image of the aligned trials above their mean.
"""

# %%
import numpy as np

import memphys as nap
from memphys.plot import plot_perievent

rng = np.random.default_rng(2)
stimuli = nap.Ts(t=np.arange(2.0, 200.0, 4.0))
background = rng.uniform(0, 202, 2000)
evoked = (stimuli.t[:, None] + rng.gamma(4.0, 0.012, (len(stimuli), 6))).ravel()
spikes = nap.Ts(t=np.sort(np.concatenate([background, evoked])))
out = plot_perievent(spikes, stimuli, window=(0.5, 1.0), binsize=0.02)
print(len(out["raster"].get_segments()), "spikes drawn")

# %%
t = np.arange(0, 202, 0.002)
signal = nap.Tsd(t=t, d=np.exp(-((t % 4.0 - 2.05) ** 2) / 0.002) + 0.2 * rng.normal(size=len(t)))
out = plot_perievent(signal, stimuli, window=0.3)
