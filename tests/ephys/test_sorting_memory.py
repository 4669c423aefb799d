"""Bounded memory of a 10-million-spike, 500-unit sorting, measured in child processes.

A setup process generates the sorting (500 Poisson units over one hour at 30 kHz, about
10 million spikes) and writes it as a numpy folder and as an ``.npz`` file. Each
operation then runs in a fresh process whose peak anonymous memory (``RssAnon``: heap and
private allocations, not the page cache nor mapped files) is sampled by a separate process
(``benchmarks/_common.ExternalRssSampler``); compiled kernels are warmed up first. The
spike vector alone is 240 MB (24 bytes per spike); every peak must stay under 400 MB.
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
MiB = 2**20
LIMIT = 400e6

SETUP = textwrap.dedent(
    """
    import sys
    import memphys.ephys as si
    folder = sys.argv[1]
    s = si.generate_sorting(num_units=500, durations=[3600.0], firing_rates=5.56, seed=0)
    s.save(folder=folder + "/folder")
    si.NpzSortingExtractor.write_sorting(s, folder + "/s.npz")
    print(s.count_total_num_spikes())
    """
)

OP = textwrap.dedent(
    """
    import json, sys, time
    sys.path.insert(0, {bench!r})
    import numpy as np
    from _common import ExternalRssSampler
    import memphys.ephys as si

    op, folder = sys.argv[1], sys.argv[2]
    tiny = si.NumpySorting.from_unit_dict({{0: [1, 3], 1: [2]}}, 1000.0)
    tiny.precompute_spike_trains(); tiny.count_num_spikes_per_unit()
    tiny.select_units([1, 0]).to_spike_vector()  # compile the kernels before measuring
    check = None
    if op in ("count_memory", "save"):
        sorting = si.NumpySorting.from_sorting(si.load(folder + "/folder"))  # 240 MB in memory
    with ExternalRssSampler() as sampler:
        base = sampler.reset()
        t0 = time.perf_counter()
        if op == "vector_npz":
            v = si.read_npz_sorting(folder + "/s.npz").to_spike_vector()
            check = int(v.size)
        elif op == "vector_selection":
            s = si.load(folder + "/folder")
            v = s.select_units(s.unit_ids[1:]).to_spike_vector()
            check = int(v.size)
        elif op == "count_memory":
            check = int(sorting.count_num_spikes_per_unit(outputs="array").sum())
        elif op == "count_npz":
            npz = si.read_npz_sorting(folder + "/s.npz")
            check = int(npz.count_num_spikes_per_unit(outputs="array").sum())
        elif op == "save":
            saved = sorting.save(folder=folder + "/saved")
            check = int(saved.count_total_num_spikes())
        elif op == "load":
            s = si.load(folder + "/folder")
            trains = [s.get_unit_spike_train(u) for u in s.unit_ids]
            counts = s.count_num_spikes_per_unit(outputs="array")
            check = sum(t.size for t in trains) + int(counts.sum()) - int(s.to_spike_vector().size)
        t_run = time.perf_counter() - t0
        peak, _ = sampler.peak()
    print(json.dumps(dict(peak=peak, base=base, t_run=t_run, check=check)))
    """
)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sorting10m")
    script = folder / "setup.py"
    script.write_text(SETUP)
    proc = subprocess.run(
        [sys.executable, str(script), str(folder)], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr
    return folder, int(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "op", ["vector_npz", "vector_selection", "count_memory", "count_npz", "save", "load"]
)
def test_10_million_spikes_stay_under_400mb(data, op):
    folder, n = data
    assert 9_500_000 < n < 10_500_000
    script = folder / "op.py"
    script.write_text(OP.format(bench=str(BENCH_DIR)))
    proc = subprocess.run(
        [sys.executable, str(script), op, str(folder)], capture_output=True, text=True, timeout=900
    )
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    print(
        f"\n{op}: peak RssAnon {report['peak'] / MiB:.1f} MiB (before: "
        f"{report['base'] / MiB:.1f} MiB), {report['t_run']:.2f} s"
    )
    expected = {"vector_selection": None, "load": n}.get(op, n)
    if expected is not None:
        assert report["check"] == expected
    assert report["peak"] < LIMIT, report
