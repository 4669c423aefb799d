"""The analyzer plots on a real ``memphys.ephys`` SortingAnalyzer (branch w14-analyzer).

Skipped where ``memphys.ephys.create_sorting_analyzer`` does not exist yet; the lead runs
these after merging w14-analyzer. The fake analyzer of ``conftest.py`` tests the drawing
itself (``test_analyzer.py``).
"""

from __future__ import annotations

import numpy as np
import pytest

import memphys.ephys as si

if not hasattr(si, "create_sorting_analyzer"):
    pytest.skip(
        "memphys.ephys.create_sorting_analyzer is not on this branch yet (it comes with "
        "branch w14-analyzer); the lead runs this module after merging it",
        allow_module_level=True,
    )

from memphys.plot import plot_sparsity, plot_unit_templates, plot_unit_waveforms


@pytest.fixture(scope="module")
def analyzer():
    rec, sorting = si.generate_ground_truth_recording(durations=[10.0], num_units=5, seed=2)
    an = si.create_sorting_analyzer(sorting, rec, sparse=True, format="memory")
    an.compute(["random_spikes", "waveforms", "templates"])
    return an


def test_templates_of_a_real_analyzer(analyzer):
    out = plot_unit_templates(analyzer)
    templates = analyzer.get_extension("templates").get_data()
    locs = analyzer.get_channel_locations()
    for k, u in enumerate(analyzer.unit_ids):
        chans = out["channel_indices"][u]
        np.testing.assert_array_equal(chans, np.flatnonzero(analyzer.sparsity.mask[k]))
        line = out["lines"][u][0]
        np.testing.assert_allclose(
            line.get_ydata(), locs[chans[0], 1] + templates[k, :, chans[0]] * out["y_scale"]
        )


def test_waveforms_and_sparsity_of_a_real_analyzer(analyzer):
    out = plot_unit_waveforms(analyzer, max_spikes=10)
    ext = analyzer.get_extension("waveforms")
    for k, u in enumerate(analyzer.unit_ids):
        n = min(10, len(ext.get_waveforms_one_unit(u)))
        assert len(out["waveforms"][u].get_segments()) == n * analyzer.sparsity.mask[k].sum()
    sp = plot_sparsity(analyzer)
    np.testing.assert_array_equal(np.asarray(sp["image"].get_array()), analyzer.sparsity.mask)
