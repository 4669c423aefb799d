"""Snippets in ``.npy`` files: ``NpySnippetsExtractor`` and the ``NpyFolderSnippets`` folder.

Each segment is one ``.npy`` file holding a structured array of records ``frame`` (int64)
and ``snippet`` (``(snippet_len, num_channels)``), SpikeInterface's layout. Files are
memory-mapped when opened (nothing is read until snippets are asked for) and written in
chunks of records (memory bounded whatever the number of snippets), under a temporary
name renamed when complete.

``snippets.save(folder=...)`` writes SpikeInterface's snippets folder::

    folder/
        traces_cached_seg<i>.npy   one file per segment
        npy.json                   the NpySnippetsExtractor that reads them (relative paths)
        properties/<key>.npy       channel properties
        probegroup.json            the probe, if any
        si_folder.json             what load(folder) reads

Examples
--------
>>> import tempfile, pathlib
>>> import numpy as np
>>> import memphys.ephys as si
>>> snip = si.NumpySnippets(np.ones((3, 5, 2), "int16"), np.array([10, 20, 30]), 30000.0, nbefore=2)
>>> folder = pathlib.Path(tempfile.mkdtemp()) / "snippets"
>>> saved = snip.save(folder=folder)
>>> loaded = si.load(folder)
>>> type(loaded).__name__, loaded.get_frames().tolist(), loaded.nbefore
('NpyFolderSnippets', [10, 20, 30], 2)
"""

from __future__ import annotations

import json
import os
from copy import deepcopy
from pathlib import Path
from typing import Any

import numpy as np

from memphys.ephys._folder_write import atomic_folder
from memphys.ephys._roles import register_role
from memphys.ephys.basesnippets import BaseSnippets, NumpySnippetsSegment, _check_frames
from memphys.ephys.core_tools import (
    define_function_from_class,
    load_annotations_from_folder,
    load_properties_from_folder,
    make_paths_absolute,
    save_properties_to_folder,
)
from memphys.errors import FileFormatError, MemphysFileNotFoundError, ShapeMismatchError

__all__ = [
    "NpySnippetsExtractor",
    "NpyFolderSnippets",
    "read_npy_snippets",
    "read_npy_snippets_folder",
]

#: bytes of snippets per write step
_WRITE_BYTES = 32 * 2**20


def _open_records(path: Path) -> np.ndarray:
    if not path.is_file():
        raise MemphysFileNotFoundError(
            f"Invalid value for `file_paths`: {str(path)!r} does not exist."
        )
    arr = np.load(path, mmap_mode="r")
    names = arr.dtype.names or ()
    if "frame" not in names or "snippet" not in names or arr.ndim != 1:
        raise FileFormatError(
            f"{path} is not a snippets file: expected a 1-D structured array with 'frame' and "
            f"'snippet' fields, but got dtype {arr.dtype} and shape {arr.shape}."
        )
    if arr.dtype["snippet"].ndim != 2:
        raise FileFormatError(f"{path}: 'snippet' records must be (snippet_len, num_channels).")
    return arr


class NpySnippetsExtractor(BaseSnippets):
    """Snippets read from one ``.npy`` file per segment (memory-mapped).

    Parameters
    ----------
    file_paths : path or list of paths
    sampling_frequency : float
    channel_ids : sequence, optional
    nbefore : int, optional
    gain_to_uV, offset_to_uV : float or array, optional
    """

    _si_class_path = "spikeinterface.core.npysnippetsextractor.NpySnippetsExtractor"
    mode = "file"

    def __init__(
        self,
        file_paths: Any,
        sampling_frequency: float,
        channel_ids: Any = None,
        nbefore: int | None = None,
        gain_to_uV: Any = None,
        offset_to_uV: Any = None,
    ) -> None:
        paths = [
            Path(p) for p in (file_paths if isinstance(file_paths, list | tuple) else [file_paths])
        ]
        records = [_open_records(p) for p in paths]
        shape = records[0].dtype["snippet"].shape
        dtype = records[0].dtype["snippet"].base
        for p, r in zip(paths, records, strict=True):
            if r.dtype["snippet"].shape != shape or r.dtype["snippet"].base != dtype:
                raise ShapeMismatchError(
                    f"{p}: snippets of shape {r.dtype['snippet'].shape} "
                    f"({r.dtype['snippet'].base}) "
                    f"differ from the first file's {shape} ({dtype})."
                )
        if channel_ids is None:
            channel_ids = np.arange(shape[1])
        if len(channel_ids) != shape[1]:
            raise ShapeMismatchError(
                f"Invalid value for `channel_ids`: expected {shape[1]} ids (the snippets have "
                f"{shape[1]} channels), but got {len(channel_ids)}."
            )
        BaseSnippets.__init__(
            self,
            sampling_frequency,
            nbefore=nbefore,
            snippet_len=shape[0],
            channel_ids=channel_ids,
            dtype=dtype,
        )
        for p, r in zip(paths, records, strict=True):
            frames = _check_frames(r["frame"], r.shape[0], f"frames of {p.name}")
            self.add_snippets_segment(NumpySnippetsSegment(r["snippet"], frames))
        if gain_to_uV is not None:
            self.set_channel_gains(gain_to_uV)
        if offset_to_uV is not None:
            self.set_channel_offsets(offset_to_uV)
        self._kwargs = {
            "file_paths": [str(p.absolute()) for p in paths],
            "sampling_frequency": sampling_frequency,
            "channel_ids": channel_ids,
            "nbefore": nbefore,
            "gain_to_uV": gain_to_uV,
            "offset_to_uV": offset_to_uV,
        }

    @staticmethod
    def write_snippets(snippets: BaseSnippets, file_paths: Any, dtype: Any = None) -> None:
        """Write each segment of ``snippets`` to an ``.npy`` file (in chunks of records)."""
        paths = [
            Path(p) for p in (file_paths if isinstance(file_paths, list | tuple) else [file_paths])
        ]
        if len(paths) != snippets.get_num_segments():
            raise ShapeMismatchError(
                f"Invalid value for `file_paths`: expected one file per segment "
                f"({snippets.get_num_segments()}), but got {len(paths)}."
            )
        dt = np.dtype(snippets.get_dtype() if dtype is None else dtype)
        rec_dtype = np.dtype(
            [
                ("frame", np.int64),
                ("snippet", dt, (snippets.snippet_len, snippets.get_num_channels())),
            ]
        )
        step = max(1, _WRITE_BYTES // max(rec_dtype.itemsize, 1))
        for seg, path in enumerate(paths):
            n = snippets.get_num_snippets(seg)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_name(f".{path.name}.partial-{os.getpid()}")
            try:
                out = np.lib.format.open_memmap(tmp, mode="w+", dtype=rec_dtype, shape=(n,))
                frames = snippets.get_frames(segment_index=seg)
                for a in range(0, n, step):
                    b = min(n, a + step)
                    out["frame"][a:b] = frames[a:b]
                    out["snippet"][a:b] = snippets.get_snippets(
                        slice(a, b), segment_index=seg
                    ).astype(dt, copy=False)
                out.flush()
                del out
                os.replace(tmp, path)
            finally:
                if tmp.exists():
                    tmp.unlink()


@register_role("snippets.npy_folder")
class NpyFolderSnippets(NpySnippetsExtractor):
    """Snippets saved with ``snippets.save(folder=...)`` (see the module docstring)."""

    _si_class_path = "spikeinterface.core.npyfoldersnippets.NpyFolderSnippets"
    mode = "folder"

    def __init__(self, folder_path: str | Path) -> None:
        folder = Path(folder_path)
        npy_json = folder / "npy.json"
        if not npy_json.is_file():
            raise MemphysFileNotFoundError(
                f"{folder} is not a snippets folder: npy.json is missing."
            )
        d = json.loads(npy_json.read_text(encoding="utf8"))
        if not str(d.get("class", "")).endswith(".NpySnippetsExtractor"):
            raise FileFormatError(
                f"{folder} is not a snippets folder: npy.json describes {d.get('class')!r}."
            )
        if d.get("relative_paths", False):
            d = make_paths_absolute(d, folder)
        NpySnippetsExtractor.__init__(self, **d["kwargs"])
        probe_file = folder / "probegroup.json"
        if probe_file.is_file():
            from probeinterface import read_probeinterface

            self._probegroup = read_probeinterface(probe_file)
        load_properties_from_folder(folder / "properties", self)
        load_annotations_from_folder(folder, self)  # kept in si_folder.json, as SpikeInterface does
        self._kwargs = dict(folder_path=str(folder.absolute()))
        self._bin_kwargs = d["kwargs"]

    @staticmethod
    def write_snippets(  # type: ignore[override]
        snippets: BaseSnippets, folder: str | Path, dtype: Any = None, overwrite: bool = False
    ) -> NpyFolderSnippets:
        """Save ``snippets`` as a snippets folder and return the snippets read from it."""
        target = Path(folder)
        with atomic_folder(target, overwrite=overwrite) as tmp:
            paths = [tmp / f"traces_cached_seg{i}.npy" for i in range(snippets.get_num_segments())]
            NpySnippetsExtractor.write_snippets(snippets, paths, dtype=dtype)
            cached = NpySnippetsExtractor(
                file_paths=paths,
                sampling_frequency=snippets.get_sampling_frequency(),
                channel_ids=snippets.get_channel_ids(),
                nbefore=snippets.nbefore,
                gain_to_uV=snippets.get_channel_gains(),
                offset_to_uV=snippets.get_channel_offsets(),
            )
            cached.dump(tmp / "npy.json", relative_to=tmp)
            save_properties_to_folder(tmp / "properties", snippets)
            if snippets.has_probe():
                from probeinterface import write_probeinterface

                write_probeinterface(tmp / "probegroup.json", snippets.get_probegroup())
            folder_obj = NpyFolderSnippets(tmp)
            folder_obj._annotations = deepcopy(snippets._annotations)
            folder_obj.dump(tmp / "si_folder.json", relative_to=tmp)
            del folder_obj, cached
        return NpyFolderSnippets(target)


read_npy_snippets = define_function_from_class(NpySnippetsExtractor, "read_npy_snippets")
read_npy_snippets_folder = define_function_from_class(NpyFolderSnippets, "read_npy_snippets_folder")
