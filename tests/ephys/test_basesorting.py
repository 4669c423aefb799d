"""BaseSorting's API: trains, spike vectors, counts, caches, times, selections, saving."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from tests.ephys._sorting_helpers import recordings

import memphys.ephys as si
from memphys.ephys.base import unit_period_dtype
from memphys.ephys.basesorting import BaseSorting, BaseSortingSegment
from memphys.errors import ExtractorValueError


@pytest.fixture
def sorting():
    return si.generate_sorting(num_units=6, durations=[4.0, 2.0], firing_rates=20.0, seed=11)


def _mask_train(s, unit_id, seg):
    v = s.to_spike_vector()
    u = s.ids_to_indices([unit_id])[0]
    return v["sample_index"][(v["unit_index"] == u) & (v["segment_index"] == seg)]


def test_trains_are_read_only_slices_of_the_grouped_trains(sorting):
    st = sorting.get_unit_spike_train("3", segment_index=1)
    assert np.array_equal(st, _mask_train(sorting, "3", 1))
    assert not st.flags.writeable  # a caller cannot corrupt the cache
    with pytest.raises(ValueError, match="read-only"):
        st[0] = 1
    sub = sorting.get_unit_spike_train("3", segment_index=1, start_frame=10_000, end_frame=40_000)
    assert np.array_equal(sub, st[(st >= 10_000) & (st < 40_000)])


def test_unknown_unit_and_missing_segment_get_clear_errors(sorting):
    with pytest.raises(
        ExtractorValueError, match=r"'9' is not a unit of this sorting; unit ids are \['0'"
    ):
        sorting.get_unit_spike_train("9", segment_index=0)
    with pytest.raises(ExtractorValueError, match=r"Multi-segment object. Provide 'segment_index'"):
        sorting.get_unit_spike_train("0")


def test_return_times_follow_t_start_and_shift(sorting):
    frames = sorting.get_unit_spike_train("1", segment_index=0)
    times = sorting.get_unit_spike_train("1", segment_index=0, return_times=True)
    assert np.allclose(times, frames / 30000.0)
    sorting.shift_times(5.0, segment_index=0)
    assert np.allclose(
        sorting.get_unit_spike_train("1", segment_index=0, return_times=True), frames / 30000.0 + 5
    )
    assert sorting.get_start_time(0) == 5.0
    assert sorting.get_start_time(1) == 0.0
    t = sorting.get_unit_spike_train_in_seconds("1", 0, start_time=6.0, end_time=7.0)
    assert np.all((t >= 6.0) & (t <= 7.0))
    assert t.size == np.sum((frames / 30000 + 5 >= 6) & (frames / 30000 + 5 <= 7))
    assert sorting.time_to_sample_index(6.0, segment_index=0) == 30000
    assert sorting.get_end_time(0) == pytest.approx(sorting.get_last_spike_frame(0) / 30000 + 5)


def test_spike_vector_views_and_channel_index(sorting):
    v = sorting.to_spike_vector()
    per_seg, slices = sorting.to_spike_vector(concatenated=False, return_slices=True)
    assert [p.size for p in per_seg] == [int(b - a) for a, b in slices]
    assert np.array_equal(np.concatenate(per_seg), v)
    main = np.arange(6) * 2
    with_ch = sorting.to_spike_vector(main_channel_indices=main)
    assert np.array_equal(with_ch["channel_index"], main[v["unit_index"]])
    with pytest.warns(FutureWarning, match="extremum_channel_inds"):
        old = sorting.to_spike_vector(
            extremum_channel_inds={u: 2 * i for i, u in enumerate(sorting.unit_ids)}
        )
    assert np.array_equal(old["channel_index"], with_ch["channel_index"])
    assert sorting.to_spike_vector() is v  # cached


@pytest.mark.parametrize("lexsort", [si.LEXSORT_UNIT_COMPACT, si.LEXSORT_SEGMENT_COMPACT])
def test_reordered_spike_vector(sorting, lexsort):
    v = sorting.to_spike_vector()
    ordered, order, slices = sorting.to_reordered_spike_vector(lexsort=lexsort)
    assert np.array_equal(v[order], ordered)
    if lexsort == si.LEXSORT_UNIT_COMPACT:
        a, b = slices[2, 1]
        assert np.array_equal(ordered["sample_index"][a:b], _mask_train(sorting, "2", 1))
    with pytest.raises(ExtractorValueError, match="lexsort"):
        sorting.to_reordered_spike_vector(lexsort=("unit_index", "sample_index", "segment_index"))


def test_counts_every_way(sorting):
    v = sorting.to_spike_vector()
    ref = np.bincount(v["unit_index"], minlength=6)
    assert np.array_equal(sorting.count_num_spikes_per_unit(outputs="array"), ref)
    assert sorting.count_num_spikes_per_unit(unit_ids=["4", "1"]) == {"1": ref[1], "4": ref[4]}
    assert sorting.count_total_num_spikes() == v.size
    with pytest.warns(FutureWarning, match="get_total_num_spikes"):
        assert sorting.get_total_num_spikes()["0"] == ref[0]
    with pytest.raises(ExtractorValueError, match="outputs"):
        sorting.count_num_spikes_per_unit(outputs="list")
    sorting.precompute_spike_trains()
    assert np.array_equal(sorting.count_num_spikes_per_unit(outputs="array"), ref)


def test_spike_vector_indices_and_search(sorting):
    idx = sorting.get_spike_vector_to_indices()
    v = sorting.to_spike_vector()
    assert np.array_equal(v["sample_index"][idx[1]["5"]], _mask_train(sorting, "5", 1))
    a, b = sorting._get_spike_vector_segment_slices()[1]
    pos = sorting.search_cached_spikes_sorted([0, 30_000], segment_index=1)
    assert np.array_equal(pos, np.searchsorted(v["sample_index"][a:b], [0, 30_000]))


def test_empty_units_and_unit_selections():
    s = si.generate_sorting(
        num_units=5, durations=[2.0], firing_rates=20.0, empty_units=[1, 3], seed=1
    )
    assert s.get_empty_unit_ids().tolist() == ["1", "3"]
    assert s.remove_empty_units().unit_ids.tolist() == ["0", "2", "4"]
    assert s.remove_units(["0"]).unit_ids.tolist() == ["1", "2", "3", "4"]
    with pytest.raises(ExtractorValueError, match=r"\['x'\] are not ids"):
        s.remove_units(["x"])  # SpikeInterface ignores unknown ids
    renamed = s.rename_units(list("abcde"))
    assert np.array_equal(renamed.get_unit_spike_train("c"), s.get_unit_spike_train("2"))
    s.set_property("group", [0, 1, 0, 1, 1])
    parts = s.split_by("group")
    assert parts[1].unit_ids.tolist() == ["1", "3", "4"]
    assert parts[1].get_annotation("split_by_property") == "group"
    with pytest.raises(ExtractorValueError, match="property nope is not set"):
        s.split_by("nope")


def test_select_periods_matches_a_loop():
    s = si.generate_sorting(num_units=4, durations=[3.0, 3.0], firing_rates=30.0, seed=5)
    rng = np.random.default_rng(0)
    periods = np.zeros(20, dtype=unit_period_dtype)
    periods["segment_index"] = rng.integers(0, 2, 20)
    periods["start_sample_index"] = rng.integers(0, 80_000, 20)
    periods["end_sample_index"] = periods["start_sample_index"] + rng.integers(1, 20_000, 20)
    periods["unit_index"] = rng.integers(0, 4, 20)
    sliced = s.select_periods(periods)
    for seg in range(2):
        for u, uid in enumerate(s.unit_ids):
            st = s.get_unit_spike_train(uid, segment_index=seg)
            keep = np.zeros(st.size, bool)
            for p in periods[(periods["segment_index"] == seg) & (periods["unit_index"] == u)]:
                keep |= (st >= p["start_sample_index"]) & (st < p["end_sample_index"])
            assert np.array_equal(sliced.get_unit_spike_train(uid, segment_index=seg), st[keep])
    as_array = np.stack(
        [
            periods[f]
            for f in ("segment_index", "start_sample_index", "end_sample_index", "unit_index")
        ],
        1,
    )
    with pytest.warns(UserWarning, match="Assuming fields"):
        other = s.select_periods(as_array)
    assert np.array_equal(other.to_spike_vector(), sliced.to_spike_vector())


class _ListSegment(BaseSortingSegment):
    """A segment that only knows per-unit trains (a user's own extractor)."""

    def __init__(self, trains):
        BaseSortingSegment.__init__(self)
        self.trains = trains
        self.calls = 0

    def get_unit_spike_train(self, unit_id, start_frame=None, end_frame=None):
        self.calls += 1
        st = np.asarray(self.trains[unit_id])
        if start_frame is not None:
            st = st[st >= start_frame]
        if end_frame is not None:
            st = st[st < end_frame]
        return st


class _ListSorting(BaseSorting):
    def __init__(self, trains):
        BaseSorting.__init__(self, 1000.0, list(trains))
        self.add_sorting_segment(_ListSegment(trains))


def test_a_user_extractor_gets_trains_from_its_segment_and_a_merged_vector():
    s = _ListSorting({"a": [5, 9], "b": [5, 7]})
    assert s.get_unit_spike_train("a", start_frame=6).tolist() == [9]
    assert s.segments[0].calls == 1  # no cache built for a single train
    v = s.to_spike_vector()
    assert v["sample_index"].tolist() == [5, 5, 7, 9]
    assert v["unit_index"].tolist() == [0, 1, 1, 0]
    assert s.count_num_spikes_per_unit() == {"a": 2, "b": 2}
    assert np.array_equal(s.to_spike_vector(use_cache=False), v)


def test_register_recording_checks_rate_segments_and_exceeding_spikes():
    rec_mod = recordings()
    s = si.NumpySorting.from_unit_dict([{"a": [1, 9]}, {"a": [2]}], 10.0)
    good = rec_mod.NumpyRecording([np.zeros((10, 2)), np.zeros((5, 2))], sampling_frequency=10.0)
    s.register_recording(good)
    assert s.has_recording()
    assert s.get_num_samples(1) == 5
    assert s.get_total_samples() == 15
    with pytest.raises(
        ExtractorValueError, match=r"different sampling frequency.*20.0 Hz for the recording"
    ):
        s.register_recording(
            rec_mod.NumpyRecording([np.zeros((10, 2))] * 2, sampling_frequency=20.0)
        )
    with pytest.raises(ExtractorValueError, match="different number of segments"):
        s.register_recording(rec_mod.NumpyRecording([np.zeros((10, 2))], sampling_frequency=10.0))
    short = rec_mod.NumpyRecording([np.zeros((9, 2)), np.zeros((5, 2))], sampling_frequency=10.0)
    fresh = si.NumpySorting.from_unit_dict([{"a": [1, 9]}, {"a": [2]}], 10.0)
    with pytest.raises(
        ExtractorValueError, match="spike at sample 9 but the recording has 9 samples"
    ):
        fresh.register_recording(short)
    assert not fresh.has_recording()
    fresh.register_recording(short, check_spike_frames=False)
    assert fresh.has_recording()


def test_times_come_from_the_registered_recording():
    rec_mod = recordings()
    rec = rec_mod.NumpyRecording(np.zeros((100, 2)), sampling_frequency=10.0)
    rec.set_times(np.arange(100) / 10.0 + 300.0)
    s = si.NumpySorting.from_unit_dict({"a": [0, 50]}, 10.0)
    s.register_recording(rec)
    assert s.get_unit_spike_train("a", return_times=True).tolist() == [300.0, 305.0]
    assert s.has_time_vector()
    assert s.get_times()[0] == 300.0
    s.shift_times(1.0)
    assert s.get_unit_spike_train("a", return_times=True).tolist() == [301.0, 306.0]
    assert s.get_end_time() == pytest.approx(310.9)
    sliced = s.time_slice(302.0, 307.0)
    assert sliced.get_unit_spike_train("a").tolist() == [40]


def test_save_formats_and_the_registered_recording(tmp_path, sorting):
    sorting.set_property("quality", ["a", "b", "c", "d", "e", "f"])
    sorting.annotate(lab="y")
    for fmt, kw in [
        ("memory", {}),
        ("memory", {"sharedmem": False}),
        ("numpy_folder", {"folder": tmp_path / "n"}),
        ("zarr", {"folder": tmp_path / "z"}),
    ]:
        saved = sorting.save(format=fmt, **kw)
        assert np.array_equal(saved.to_spike_vector(), sorting.to_spike_vector()), fmt
        assert saved.get_property("quality").tolist() == list("abcdef")
        assert saved.get_annotation("lab") == "y"
    with pytest.raises(ExtractorValueError, match="`folder` must be given"):
        sorting.save(format="numpy_folder")
    with pytest.raises(ExtractorValueError, match="format"):
        sorting.save(format="npy")
    with pytest.warns(FutureWarning, match="npz_folder"):
        npz = sorting.save(format="npz_folder", folder=tmp_path / "old")
    assert np.array_equal(npz.to_spike_vector(), sorting.to_spike_vector())


def test_to_multiprocessing_and_repr(sorting):
    assert sorting.to_multiprocessing(1) is sorting
    shm = sorting.to_multiprocessing(2)
    assert isinstance(shm, si.SharedMemorySorting)
    assert repr(sorting) == "NumpySorting: 6 units - 2 segments - 30.0kHz"
    sub = sorting.select_units(["1"])
    assert isinstance(sub.to_multiprocessing(1), si.NumpySorting)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        del shm
