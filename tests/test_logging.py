"""The library writes nothing to stdout: representative calls of both faces, the engine
(with its progress bar on), the figures and the readers/writers, run in a child process
whose stdout must stay empty. Progress bars go to stderr (tqdm); messages go through
``logging`` under the ``memphys`` logger."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import numpy as np

SCRIPT = textwrap.dedent(
    """
    import os, tempfile, warnings
    os.environ["MPLBACKEND"] = "Agg"
    warnings.simplefilter("ignore")
    import numpy as np
    import memphys as nap
    import memphys.ephys as si
    from memphys.engine import MeanVar, reduce_chunks
    from memphys.plot import plot_psd, plot_traces, plot_perievent

    tmp = tempfile.mkdtemp()
    rng = np.random.default_rng(0)
    x = nap.TsdFrame(d=rng.normal(size=(50_000, 4)), rate=1000.0)
    nap.apply_bandpass_filter(x, (10, 50), progress_bar=True)
    nap.compute_mean_power_spectral_density(x, 1.0, progress_bar=True)
    reduce_chunks(np.asarray(x.values), MeanVar(), chunk_size=5000, progress_bar=True)
    x.save(os.path.join(tmp, "x.npz"))
    nap.load_file(os.path.join(tmp, "x.npz")).restrict(nap.IntervalSet(1, 2))
    spikes = nap.Ts(t=np.sort(rng.uniform(0, 50, 500)))
    nap.compute_perievent(spikes, nap.Ts(t=[10.0, 20.0]), 1.0)
    nap.TsGroup.merge_group(nap.TsGroup({0: spikes}))
    rec = si.generate_recording(num_channels=4, durations=[5.0], seed=0)
    rec.save(folder=os.path.join(tmp, "rec"), progress_bar=True, verbose=True)
    si.get_noise_levels(rec, progress_bar=True)
    plot_traces(x, progress_bar=True)
    plot_traces(rec, 0, 0.05)
    plot_psd(x, interval_size=1.0, progress_bar=True)
    plot_perievent(spikes, nap.Ts(t=[10.0, 20.0]), window=1.0)
    """
)


def test_library_calls_write_nothing_to_stdout(tmp_path):
    script = tmp_path / "calls.py"
    script.write_text(SCRIPT)
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert proc.stdout == ""
    assert "%" in proc.stderr  # the progress bars went to stderr


def test_messages_go_through_the_memphys_logger(caplog):
    import memphys as nap

    group = nap.TsGroup({0: nap.Ts(t=np.arange(3.0))})
    with caplog.at_level(logging.INFO, logger="memphys"):
        nap.TsGroup.merge_group(group)
    assert any(
        r.name.startswith("memphys") and "no merge needed" in r.getMessage() for r in caplog.records
    )
