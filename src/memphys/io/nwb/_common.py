"""Conventions shared by the NWB writer and reader.

memphys stores what a plain NWB ``TimeSeries`` has no field for in small tables next to
the series, in the same group (acquisition, processing module or scratch):

- ``<name>_time_support``: a ``TimeIntervals`` holding the time support of a series when
  it is not the single epoch ``[first sample, last sample]`` (for example a recording
  restricted to several epochs);
- ``<name>_columns``: a ``DynamicTable`` with one row per column of a ``TsdFrame`` (a
  ``label`` column with the column names as strings, plus the columns' metadata) when the
  columns are not ``0..n-1`` or carry metadata.

A ``TsGroup`` stores its time support in the ``obs_intervals`` column of its units table.

Examples
--------
>>> from memphys.io.nwb._common import time_support_name, columns_name
>>> time_support_name("lfp"), columns_name("lfp")
('lfp_time_support', 'lfp_columns')
"""

from __future__ import annotations

__all__ = [
    "COLUMNS_SUFFIX",
    "LABEL_COLUMN",
    "TIME_SUPPORT_SUFFIX",
    "columns_name",
    "time_support_name",
]

#: Suffix of the ``TimeIntervals`` holding a series' time support.
TIME_SUPPORT_SUFFIX = "_time_support"
#: Suffix of the ``DynamicTable`` describing a TsdFrame's columns.
COLUMNS_SUFFIX = "_columns"
#: Name of the column of ``<name>_columns`` holding the column labels.
LABEL_COLUMN = "label"


def time_support_name(name: str) -> str:
    """Name of the ``TimeIntervals`` holding the time support of series ``name``."""
    return name + TIME_SUPPORT_SUFFIX


def columns_name(name: str) -> str:
    """Name of the ``DynamicTable`` describing the columns of series ``name``."""
    return name + COLUMNS_SUFFIX
