"""
Traces of a recording of any length
===================================

``plot_traces`` draws a short window sample by sample and a long one as the minimum and
maximum of the samples in each pixel column, computed through the engine in bounded
memory: the file is read once, block by block, and never held whole.

Here a 16-channel int16 recording of 20 minutes at 1250 Hz is written to a raw binary file
and memory-mapped (nothing is read), then drawn whole, and a 2 s window of it.
"""

# %%
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import memphys as nap
from memphys.io.synthetic import write_synthetic_binary
from memphys.plot import plot_traces

folder = Path(tempfile.mkdtemp())
info = write_synthetic_binary(folder / "rec.dat", duration=20 * 60, n_channels=16, rate=1250.0)
eeg = nap.load_file(folder / "rec.dat", n_channels=16, sampling_rate=1250.0)
print(eeg.shape, type(eeg.values).__name__)

# %%
# The whole file: one pass of the engine, ~1,000 columns of min/max per channel.
out = plot_traces(eeg, progress_bar=False, title="20 minutes, 16 channels")
print(out.mode, out.envelope[0].shape)

# %%
# A short window is drawn sample by sample; events are marked (here, spike-like
# transients found on channel 0).
start = 600.0
window = eeg.restrict(nap.IntervalSet(start, start + 2.0))
ch0 = np.asarray(window.values[:, 0], dtype=np.float64)
events = nap.Ts(t=np.asarray(window.t)[1:][np.diff(ch0) < -150])
fig, ax = plt.subplots(figsize=(9, 5), layout="constrained")
out = plot_traces(eeg, start, start + 2.0, events={"transients": events}, ax=ax)
print(out.mode, len(out.times))
