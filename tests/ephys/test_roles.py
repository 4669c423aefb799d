"""The derived classes the base classes build, found by role (ephys/_roles.py)."""

from __future__ import annotations

import numpy as np
import pytest

from memphys.ephys._roles import PROVIDERS, register_role, role
from memphys.errors import MemphysRuntimeError


@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_every_role_is_registered_by_its_provider(name):
    obj = role(name)
    assert obj.__module__ == PROVIDERS[name]


def test_unknown_role_lists_the_known_ones():
    with pytest.raises(MemphysRuntimeError, match=r"recording\.frame_slice"):
        role("recording.no_such_role")


def test_register_role_returns_the_object_and_a_later_registration_wins():
    sentinel = register_role("test.sentinel")(object)
    assert sentinel is object
    assert role("test.sentinel") is object


def test_to_multiprocessing_keeps_what_workers_can_reach(tmp_path):
    import memphys.ephys as si

    sorting = si.NumpySorting.from_unit_dict({"a": np.array([1, 5])}, sampling_frequency=100.0)
    assert sorting.to_multiprocessing(1) is sorting
    shared = sorting.to_multiprocessing(2)
    assert type(shared).__name__ == "SharedMemorySorting"
    assert shared.to_multiprocessing(2) is shared
    folder = sorting.save(folder=tmp_path / "s")
    assert folder.to_multiprocessing(1) is folder
    assert folder.to_multiprocessing(2) is folder
    sliced = sorting.select_units(["a"])
    assert type(sliced.to_multiprocessing(1)).__name__ == "NumpySorting"
