"""Sorting generators: Poisson statistics, refractory periods, borders, determinism."""

from __future__ import annotations

import pickle
import subprocess
import sys

import numpy as np
import pytest

import memphys.ephys as si
from memphys.errors import ExtractorValueError


def test_generate_sorting_rates_refractory_and_reproducibility():
    s = si.generate_sorting(
        num_units=8, durations=[60.0], firing_rates=10.0, refractory_period_ms=4.0, seed=1
    )
    counts = s.count_num_spikes_per_unit(outputs="array")
    assert np.all(np.abs(counts / 60.0 - 10.0) < 2.0)
    for uid in s.unit_ids:
        assert np.diff(s.get_unit_spike_train(uid)).min() >= 120  # 4 ms at 30 kHz
    again = si.generate_sorting(
        num_units=8, durations=[60.0], firing_rates=10.0, refractory_period_ms=4.0, seed=1
    )
    assert np.array_equal(again.to_spike_vector(), s.to_spike_vector())
    old = si.generate_sorting(
        num_units=8, durations=[60.0], firing_rate=10.0, refractory_period_ms=4.0, seed=1
    )
    assert np.array_equal(old.to_spike_vector(), s.to_spike_vector())


def test_generate_sorting_options():
    s = si.generate_sorting(
        num_units=4,
        durations=[1.0, 2.0],
        firing_rates=(5.0, 20.0),
        empty_units=["2"],
        t_starts=[10.0, 20.0],
        seed=3,
    )
    assert s.count_num_spikes_per_unit()["2"] == 0
    assert s.get_start_time(1) == 20.0
    border = si.generate_sorting(
        num_units=5,
        durations=[2.0, 2.0],
        add_spikes_on_borders=True,
        num_spikes_per_border=4,
        border_size_samples=10,
        seed=0,
    )
    for spikes in border.to_spike_vector(concatenated=False):
        assert np.sum(spikes["sample_index"] < 10) >= 4
        assert np.sum(spikes["sample_index"] >= 60_000 - 10) >= 4
        assert np.all(np.diff(spikes["sample_index"]) >= 0)
    with pytest.raises(ExtractorValueError, match="too long for the firing rates"):
        si.generate_sorting(firing_rates=500.0, refractory_period_ms=4.0)
    with pytest.raises(ExtractorValueError, match="durations"):
        si.generate_sorting(durations=[-1.0])


def test_synthesize_random_firings_counts():
    times, labels = si.synthesize_random_firings(
        num_units=2, duration=2, firing_rates=[2.0, 3.0], seed=0
    )
    assert len(times) == 10
    assert np.all(np.diff(times) >= 0)
    assert np.bincount(labels).tolist() == [4, 6]


def test_clean_refractory_and_bad_isi():
    assert si.clean_refractory_period(np.array([10, 1, 3, 20, 21]), 2).tolist() == [1, 10, 20]
    train = si.synthetize_spike_train_bad_isi(10, 5, 3)
    assert train.size == 53
    assert np.sum(np.diff(train) < 1e-4) == 3


def test_transform_sorting_like_spikeinterface():
    s1 = si.NumpySorting.from_unit_dict({0: np.array([12])}, sampling_frequency=20000.0)
    s2 = si.NumpySorting.from_unit_dict(
        {0: np.array([150]), 3: np.array([12, 150])}, sampling_frequency=20000.0
    )
    t = si.TransformSorting.add_from_sorting(s1, s2)
    assert t.unit_ids.tolist() == [0, 3]
    assert t.count_num_spikes_per_unit(outputs="array").tolist() == [2, 2]
    assert t.get_added_spikes_from_existing_indices().size == 1
    assert t.get_added_spikes_from_new_indices().size == 2
    assert t.get_added_units_inds().tolist() == [3]
    base = si.generate_sorting(seed=0)
    same = si.TransformSorting(base, base.to_spike_vector(), refractory_period_ms=0)
    assert same.to_spike_vector().size == base.to_spike_vector().size  # duplicates dropped
    assert np.array_equal(
        same.get_unit_spike_train("0", segment_index=0),
        base.get_unit_spike_train("0", segment_index=0),
    )


def test_duplicates_splits_and_injection():
    s = si.generate_sorting(num_units=4, durations=[5.0], firing_rates=10.0, seed=4)
    dup = si.inject_some_duplicate_units(s, num=2, max_shift=3, seed=0)
    assert dup.unit_ids.tolist() == ["0", "1", "2", "3", "4", "5"]
    d = dup.get_unit_spike_train("4") - s.get_unit_spike_train("0")
    assert np.unique(d[:-1]).size == 1  # the last spike is clipped to the original's last
    assert 0 < abs(d[0]) <= 3
    split, ids = si.inject_some_split_units(
        s, split_ids=["1"], num_split=2, output_ids=True, seed=0
    )
    assert ids == {"1": ["4", "5"]}
    both = np.sort(
        np.concatenate([split.get_unit_spike_train("4"), split.get_unit_spike_train("5")])
    )
    assert np.array_equal(both, s.get_unit_spike_train("1"))
    inj = si.generate_sorting_to_inject(s, [150_000], injected_rate=0.2, seed=0)
    for uid in s.unit_ids:
        a, b = s.get_unit_spike_train(uid), inj.get_unit_spike_train(uid)
        assert b.size <= a.size
        assert a.size == 0 or b.size == 0 or np.abs(b[:, None] - a[None, :]).min() >= 45


def test_sorting_generator_is_lazy_and_the_same_in_another_process():
    g = si.SortingGenerator(num_units=3, durations=[10.0], firing_rates=5.0, seed=7)
    assert g._cached_spike_vector is None
    st = g.get_unit_spike_train("1")
    assert np.array_equal(
        g.get_unit_spike_train("1", start_frame=1000, end_frame=100_000),
        st[(st >= 1000) & (st < 100_000)],
    )
    blob = pickle.dumps(g)
    code = (
        "import pickle, sys; g = pickle.loads(sys.stdin.buffer.read()); "
        "sys.stdout.write(','.join(map(str, g.get_unit_spike_train('1').tolist())))"
    )
    out = subprocess.run([sys.executable, "-c", code], input=blob, capture_output=True, check=True)
    assert out.stdout.decode() == ",".join(map(str, st.tolist()))  # no hash(): same in any process
    assert g.to_spike_vector().size == g.count_total_num_spikes()
