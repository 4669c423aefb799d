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

from memphys.io.nwb_read import NWBFile, load_nwb
from memphys.io.nwb_write import (
    LOCATIONS,
    add_scratch,
    get_scratch,
    make_processed_copy,
    write_nwb,
)

__all__ = [
    "LOCATIONS",
    "NWBFile",
    "add_scratch",
    "get_scratch",
    "load_nwb",
    "make_processed_copy",
    "write_nwb",
]
