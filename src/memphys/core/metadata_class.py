"""pynapple's module path ``pynapple.core.metadata_class``.

The metadata classes live in :mod:`memphys.core.metadata`; this module gives pynapple's
path to the same classes.

Examples
--------
>>> import memphys as nap
>>> from memphys.core.metadata_class import _MetadataMixin
>>> issubclass(nap.TsGroup, _MetadataMixin)
True
"""

from __future__ import annotations

from memphys.core.metadata import _Metadata, _MetadataMixin

__all__ = ["_Metadata", "_MetadataMixin"]
