"""
Power spectral density
======================

``plot_psd`` draws the mean power spectral density (Welch's method) of a signal, computed
through the engine in bounded memory by ``compute_mean_power_spectral_density``, or a PSD
that an analysis already returned.
"""

# %%
import numpy as np

import memphys as nap
from memphys.plot import plot_psd

rate = 1000.0
t = np.arange(0, 120, 1 / rate)
rng = np.random.default_rng(1)
theta = np.sin(2 * np.pi * 8 * t)
gamma = 0.3 * np.sin(2 * np.pi * 60 * t) * (1 + np.sin(2 * np.pi * 8 * t))
lfp = nap.TsdFrame(
    t=t,
    d=np.column_stack([theta + gamma, 0.5 * theta, gamma]) + 0.2 * rng.normal(size=(len(t), 3)),
    columns=["CA1", "CA3", "DG"],
)
out = plot_psd(lfp, interval_size=2.0, freq_range=(1, 200), progress_bar=False)

# %%
# The same from a DataFrame computed beforehand:
psd = nap.compute_mean_power_spectral_density(lfp, interval_size=4.0)
out = plot_psd(psd, freq_range=(1, 100), log=True)
print(psd.shape)
