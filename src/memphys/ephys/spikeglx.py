"""SpikeGLX recordings (``.bin``/``.meta``, imec AP/LF, nidq, one box) and their TTL events.

:class:`SpikeGLXRecordingExtractor` reads one stream of a SpikeGLX folder through neo's
``SpikeGLXRawIO`` (memory-mapped; the sample count comes from the ``.bin`` size, with a
warning when the ``.meta`` describes another, untruncated, file), and attaches the probe
that probeinterface reads from the AP ``.meta`` (also for the LF stream, and even when
the AP ``.bin`` is absent): contact positions, shanks as groups, ``inter_sample_shift``
and the saturation level. nidq, one-box and SYNC streams carry no probe.

Examples
--------
>>> import memphys.ephys as si
>>> rec = si.read_spikeglx("Noise4Sam_g0", stream_id="imec0.ap")  # doctest: +SKIP
>>> rec.get_probe().get_contact_count()  # doctest: +SKIP
384
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

from memphys.ephys.core_tools import define_function_from_class
from memphys.ephys.neobaseextractor import NeoBaseEventExtractor, NeoBaseRecordingExtractor
from memphys.errors import ExtractorWarning

__all__ = [
    "SpikeGLXRecordingExtractor",
    "read_spikeglx",
    "SpikeGLXEventExtractor",
    "read_spikeglx_event",
]


class SpikeGLXRecordingExtractor(NeoBaseRecordingExtractor):
    """One stream of a SpikeGLX recording folder, with its Neuropixels probe.

    Parameters
    ----------
    folder_path : str or Path
        The folder holding the ``.bin``/``.meta`` files (in any sub-folders).
    stream_id, stream_name : str, optional
        ``"imec0.ap"``, ``"imec0.lf"``, ``"nidq"``, ``"imec0.ap-SYNC"``, ... (required when
        the folder holds several streams).
    all_annotations : bool, default False
    use_names_as_ids : bool, default False

    Raises
    ------
    memphys.errors.StreamNotFoundError
        If the stream does not exist (the message lists those that do) or none is named
        when there are several.
    """

    NeoRawIOClass = "SpikeGLXRawIO"
    _si_class_path = "spikeinterface.extractors.neoextractors.spikeglx.SpikeGLXRecordingExtractor"

    def __init__(
        self,
        folder_path: Any,
        stream_id: Any = None,
        stream_name: Any = None,
        all_annotations: bool = False,
        use_names_as_ids: bool = False,
    ) -> None:
        folder = Path(folder_path)
        self._init_neo(folder, {}, stream_id, stream_name, None, all_annotations, use_names_as_ids)
        self._kwargs = {
            "folder_path": str(folder.absolute()),
            "stream_id": stream_id,
            "stream_name": stream_name,
            "all_annotations": all_annotations,
            "use_names_as_ids": use_names_as_ids,
        }
        if any(tag in self.stream_id for tag in ("nidq", "obx", "SYNC")):
            return
        info = {e["stream_name"]: e for e in self.neo_reader.signals_info_list}
        meta = str(info[self.stream_id]["meta_file"])
        ap_meta = meta.replace(".lf.meta", ".ap.meta") if "lf" in self.stream_id else meta
        if not Path(ap_meta).is_file():
            warnings.warn(
                f"No AP .meta file ({ap_meta}) for stream {self.stream_id!r}: the probe is not "
                "loaded.",
                ExtractorWarning,
                stacklevel=2,
            )
            return
        import probeinterface as pi

        from memphys.ephys.probes import attach_neuropixels_probe

        attach_neuropixels_probe(self, pi.read_spikeglx(ap_meta), self.stream_id)

    @classmethod
    def get_streams(cls, folder_path: Any) -> tuple[list[str], list[str]]:
        """``(stream_names, stream_ids)`` of a SpikeGLX folder."""
        from memphys.ephys.neobaseextractor import get_neo_streams

        return get_neo_streams(cls.NeoRawIOClass, folder_path)


read_spikeglx = define_function_from_class(SpikeGLXRecordingExtractor, "read_spikeglx")


class SpikeGLXEventExtractor(NeoBaseEventExtractor):
    """The digital lines (TTL events) of a SpikeGLX folder (nidq ``XD*`` channels)."""

    NeoRawIOClass = "SpikeGLXRawIO"
    _si_class_path = "spikeinterface.extractors.neoextractors.spikeglx.SpikeGLXEventExtractor"

    def __init__(self, folder_path: Any, block_index: int | None = None) -> None:
        self._init_neo_events(Path(folder_path), {}, block_index)
        self._kwargs = {
            "folder_path": str(Path(folder_path).absolute()),
            "block_index": block_index,
        }


def read_spikeglx_event(folder_path: Any, block_index: int | None = None) -> SpikeGLXEventExtractor:
    """The TTL events of a SpikeGLX folder."""
    return SpikeGLXEventExtractor(folder_path, block_index=block_index)
