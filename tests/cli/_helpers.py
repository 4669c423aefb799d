"""Helpers of the command-line tests."""

from pathlib import Path

import pytest

SHARED_DATA = Path("/work/shared/data")


def shared(name: str) -> Path:
    """A dataset of the shared folder, or skip the test with the reason."""
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"shared dataset {path} is not available")
    return path
