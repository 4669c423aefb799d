"""Bounded memory of the SortingAnalyzer's passes, measured in child processes.

- The four core extensions (random_spikes, waveforms, templates, noise_levels) of a 2 GiB
  generated recording (64 int16 channels at 30 kHz, a linear probe, lazy: nothing exists
  until read) and 100 units (~5 Hz), with ``n_jobs=2``, into a binary-folder analyzer: the
  waveforms stream to their ``.npy`` file, so the working memory is a few tasks' reads.
- Waveforms of 2 million spikes (``random_spikes(method="all")``) of a generated recording
  into a binary-folder analyzer, and their templates scanned back from the file.

A thread samples the peak anonymous memory (``RssAnon``) of the child process and of its
workers; the sum over the process tree must stay under the limits. A few results are
checked against ``get_traces``.
"""

from __future__ import annotations

import json
import pathlib
import subprocess
import sys
import textwrap

import pytest

pytestmark = pytest.mark.slow

BENCH_DIR = pathlib.Path(__file__).resolve().parents[2] / "benchmarks"
MB = 1e6

SCRIPT = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import RssAnonSampler
    import memphys.ephys as si
    from probeinterface import generate_linear_probe

    op, out = sys.argv[1], sys.argv[2]
    si.set_global_job_kwargs(progress_bar=False)
    fs = 30000.0
    if op == "core":
        n_ch = 64
        duration = 2 * 1024**3 / (n_ch * 2 * fs)
        rec = si.NoiseGeneratorRecording(n_ch, fs, [duration], noise_levels=40.0,
                                         dtype="int16", seed=7, noise_block_size=30000)
        sorting = si.generate_sorting(num_units=100, durations=[duration], firing_rates=5.0,
                                      sampling_frequency=fs, seed=1)
        extensions = ["random_spikes", "waveforms", "templates", "noise_levels"]
        params = {{}}
    else:
        n_ch = 2
        duration = 1000.0
        rec = si.NoiseGeneratorRecording(n_ch, fs, [duration], noise_levels=10.0,
                                         dtype="int16", seed=7, noise_block_size=30000)
        sorting = si.generate_sorting(num_units=100, durations=[duration], firing_rates=20.0,
                                      refractory_period_ms=1.0, sampling_frequency=fs, seed=1)
        extensions = ["random_spikes", "waveforms", "templates"]
        params = {{"random_spikes": {{"method": "all"}},
                  "waveforms": {{"ms_before": 0.5, "ms_after": 1.0}}}}
    rec.set_channel_gains(0.195)
    rec.set_channel_offsets(0.0)
    probe = generate_linear_probe(num_elec=n_ch, ypitch=20)
    probe.set_device_channel_indices(np.arange(n_ch))
    rec.set_probe(probe)
    n_spikes = sorting.to_spike_vector().size
    with RssAnonSampler(interval=0.01) as sampler:
        t0 = time.perf_counter()
        an = si.create_sorting_analyzer(sorting, rec, format="binary_folder", folder=out,
                                        job_kwargs=dict(n_jobs=2))
        an.compute(extensions, extension_params=params, n_jobs=2)
        t_run = time.perf_counter() - t0
    wf_ext = an.get_extension("waveforms")
    wfs = wf_ext.data["waveforms"]
    some = an.get_extension("random_spikes").get_random_spikes()
    ok = True
    rng = np.random.default_rng(0)
    for i in rng.integers(0, len(some), 20):
        s, u = int(some["sample_index"][i]), int(some["unit_index"][i])
        chans = np.flatnonzero(an.sparsity.mask[u])
        ref = rec.get_traces(start_frame=s - wf_ext.nbefore, end_frame=s + wf_ext.nafter,
                             return_in_uV=True)[:, chans]
        ok = ok and np.array_equal(np.asarray(wfs[i])[:, : chans.size], ref)
    report = dict(
        peak_main=sampler.peak_self,
        peak_workers=list(sampler.peak_children.values()),
        t_run=t_run,
        n_spikes=int(n_spikes),
        n_waveforms=int(wfs.shape[0]),
        waveform_bytes=int(np.prod(wfs.shape)) * 4,
        equal=bool(ok),
        templates=list(an.get_extension("templates").data["average"].shape),
    )
    print(json.dumps(report))
    """
)


def _run(tmp_path: pathlib.Path, op: str) -> dict:
    script = tmp_path / "mem.py"
    script.write_text(SCRIPT.format(bench=str(BENCH_DIR)))
    out = tmp_path / "analyzer"
    proc = subprocess.run(
        [sys.executable, str(script), op, str(out)], capture_output=True, text=True, timeout=1800
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def test_core_extensions_of_a_2gib_recording_with_2_jobs(tmp_path):
    r = _run(tmp_path, "core")
    total = r["peak_main"] + sum(r["peak_workers"])
    print(f"core extensions, 2 GiB, 2 jobs: {total / MB:.0f} MB peak RssAnon, {r['t_run']:.1f} s")
    assert r["equal"]
    assert r["n_waveforms"] == 100 * 500
    assert total < 250 * MB


def test_waveforms_of_2_million_spikes_to_a_binary_folder(tmp_path):
    r = _run(tmp_path, "2M")
    total = r["peak_main"] + sum(r["peak_workers"])
    print(
        f"{r['n_waveforms']} waveforms ({r['waveform_bytes'] / MB:.0f} MB on disk): "
        f"{total / MB:.0f} MB peak RssAnon, {r['t_run']:.1f} s"
    )
    assert r["equal"]
    assert r["n_waveforms"] == r["n_spikes"] >= 1_900_000
    assert total < 400 * MB
