"""NWB in and out, through pynwb/hdmf: one place to look for every NWB function.

Reading (lazy; data stay in the file until a slice is asked for):

- :class:`NWBFile` -- a dict-like of every compatible object of a file
  (``load_file("x.nwb")`` returns one).

Writing (crash-safe: a temporary file is validated, then renamed over the target):

- :func:`write_nwb` -- any memphys object into acquisition, a processing module or scratch
  of a new or existing file, streaming data larger than memory;
- :func:`add_scratch` / :func:`get_scratch` -- scratch data;
- :func:`make_processed_copy` -- a small new file with processed results and external
  links to a raw file's acquisition data.

pynapple's sessions: :func:`load_session` reads ``<path>/pynapplenwb/*.nwb``.

Modules: :mod:`~memphys.io.nwb.read`, :mod:`~memphys.io.nwb.write`,
:mod:`~memphys.io.nwb.copies`,
:mod:`~memphys.io.nwb.session`, and their helpers ``_build`` (NWB objects to memphys
objects), ``_convert`` (and back), ``_iter`` (hdmf data iterators over lazy sources),
``_common`` (names shared by both ways).

Examples
--------
>>> import pathlib, tempfile
>>> import numpy as np
>>> import memphys as nap
>>> from memphys.io import nwb
>>> path = pathlib.Path(tempfile.mkdtemp()) / "session.nwb"
>>> lfp = nap.Tsd(d=np.arange(100.0), rate=10.0)
>>> _ = nwb.write_nwb(lfp, path, "lfp", location="processing", module="ecephys")
>>> f = nwb.NWBFile(path)
>>> back = f["lfp"]
>>> np.array_equal(back.values[:], lfp.values), type(back.values).__mro__[1].__name__
(True, 'Dataset')
>>> back._ti  # stored with rate=: a regular index, no timestamp array
RegularTimeIndex(start=0.0, rate=10.0, n=100)
>>> f.close()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from memphys.io._lazy import lazy_attribute
from memphys.io.readers import Reader

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

_NAMES = {
    **dict.fromkeys(("NWBFile", "load_nwb", "unique_keys"), ".read"),
    **dict.fromkeys(("Session", "load_session"), ".session"),
    **dict.fromkeys(("LOCATIONS", "write_nwb"), ".write"),
    **dict.fromkeys(("add_scratch", "get_scratch", "make_processed_copy"), ".copies"),
    **dict.fromkeys(("write_nwbfile_with", "h5_data_io"), ".compose"),
    **dict.fromkeys(("register_nwb_writer", "unregister_nwb_writer"), ".dispatch"),
}

__all__ = ["NWBReader", *_NAMES]


def __getattr__(name: str) -> Any:
    return lazy_attribute(__name__, _NAMES, name)


class NWBReader(Reader):
    """``.nwb`` files: an :class:`NWBFile`, a dict-like of every compatible object."""

    name = "nwb"
    extensions = (".nwb",)
    description = "Neurodata Without Borders files (pynwb): an NWBFile of lazy objects"
    url = "https://nwb-overview.readthedocs.io"

    def open(self, path: Path, lazy_loading: bool | None = None) -> Any:
        from memphys.io.nwb.read import load_nwb  # imports pynwb and memphys.core

        return load_nwb(path, lazy_loading)
