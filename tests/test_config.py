"""Global settings: defaults, validation, context manager, pynapple's nap_config."""

import pytest

import memphys
from memphys.config import parse_memory
from memphys.errors import MemphysValueError


@pytest.fixture(autouse=True)
def _restore():
    yield
    memphys.reset_config()


def test_defaults():
    cfg = memphys.get_config()
    assert cfg["time_units"] == "s"
    assert cfg["memory_budget"] == 256 * 1024**2
    assert cfg["progress_bar"] is None


def test_set_and_reset():
    memphys.set_config(memory_budget="1G", progress_bar=False, time_units="ms")
    assert memphys.get_config("memory_budget") == 1024**3
    assert memphys.get_config("progress_bar") is False
    assert memphys.get_config("time_units") == "ms"
    memphys.reset_config()
    assert memphys.get_config("memory_budget") == 256 * 1024**2


def test_invalid_settings_are_rejected_before_any_change():
    with pytest.raises(MemphysValueError, match="`time_units`"):
        memphys.set_config(memory_budget="1G", time_units="hours")
    assert memphys.get_config("memory_budget") == 256 * 1024**2
    with pytest.raises(MemphysValueError, match="Unknown setting 'colour'"):
        memphys.set_config(colour="red")
    with pytest.raises(MemphysValueError, match="Unknown setting"):
        memphys.get_config("colour")


def test_config_context_restores_on_error():
    def fail_inside():
        with memphys.config_context(memory_budget=1000):
            assert memphys.get_config("memory_budget") == 1000
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail_inside()
    assert memphys.get_config("memory_budget") == 256 * 1024**2


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("100M", 100 * 1024**2),
        ("1.5G", int(1.5 * 1024**3)),
        ("2k", 2048),
        ("64MB", 64 * 1024**2),
        ("512MiB", 512 * 1024**2),
        (4096, 4096),
    ],
)
def test_parse_memory(text, expected):
    assert parse_memory(text) == expected


@pytest.mark.parametrize("bad", ["", "abc", "-5M", 0, -1, True, None, float("nan")])
def test_parse_memory_rejects(bad):
    with pytest.raises(MemphysValueError, match="expected a size"):
        parse_memory(bad)


def test_nap_config_is_backed_by_settings():
    memphys.nap_config.suppress_conversion_warnings = True
    assert memphys.get_config("suppress_conversion_warnings") is True
    memphys.nap_config.restore_defaults()
    assert memphys.nap_config.suppress_conversion_warnings is False
    assert memphys.nap_config.time_index_precision == 9
    with pytest.raises(ValueError, match="Options for backend are 'jax' or 'numba'"):
        memphys.nap_config.set_backend("cuda")
    with pytest.raises(AssertionError):  # pynapple's exception type
        memphys.nap_config.set_backend("cuda")
    with pytest.raises(ValueError, match="suppress_conversion_warnings must be a boolean"):
        memphys.nap_config.suppress_conversion_warnings = 1
