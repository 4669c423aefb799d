"""The exception hierarchy: every class is a MemphysError and the matching builtin."""

import pytest

from memphys import errors


@pytest.mark.parametrize(
    ("cls", "builtin"),
    [
        (errors.MemphysValueError, ValueError),
        (errors.MemphysTypeError, TypeError),
        (errors.MemphysFileNotFoundError, FileNotFoundError),
        (errors.MemphysMemoryError, MemoryError),
        (errors.TimeIndexError, ValueError),
        (errors.IntervalError, ValueError),
        (errors.ShapeMismatchError, ValueError),
        (errors.FileFormatError, ValueError),
        (errors.SourceError, ValueError),
        (errors.ChunkError, RuntimeError),
        (errors.MemoryBudgetError, MemoryError),
        (errors.IncompleteWriteError, ValueError),
    ],
)
def test_each_error_is_memphys_and_builtin(cls, builtin):
    assert issubclass(cls, errors.MemphysError)
    assert issubclass(cls, builtin)
    with pytest.raises(builtin, match="boom"):
        raise cls("boom")


def test_all_lists_every_class():
    classes = {
        name
        for name, obj in vars(errors).items()
        if isinstance(obj, type) and issubclass(obj, Exception)
    }
    assert classes == set(errors.__all__)
