"""Neuroscope ``.xml`` parameter files: channel count, bits, sampling rates, gains, groups.

A Neuroscope/Klusters session keeps its recording parameters in ``<session>.xml`` next to
the raw ``.dat`` (wide-band, ``samplingRate``) and the ``.eeg``/``.lfp`` files (field
potentials, ``lfpSamplingRate``). :func:`read_xml` parses one such file with the standard
library; :func:`find_xml` finds the file that describes a recording, so that
:func:`memphys.io.binary.load_binary_file` can use it (pynapple's never finds it).

Examples
--------
>>> import pathlib, tempfile
>>> from memphys.io.binary.neuroscope import read_xml, find_xml
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = (folder / "rec.xml").write_text(
...     "<parameters><acquisitionSystem><nBits>16</nBits><nChannels>4</nChannels>"
...     "<samplingRate>20000</samplingRate><voltageRange>20</voltageRange>"
...     "<amplification>1000</amplification><offset>0</offset></acquisitionSystem>"
...     "<fieldPotentials><lfpSamplingRate>1250</lfpSamplingRate></fieldPotentials>"
...     "<anatomicalDescription><channelGroups><group><channel skip='0'>0</channel>"
...     "<channel skip='1'>1</channel></group></channelGroups></anatomicalDescription>"
...     "</parameters>"
... )
>>> xml = read_xml(find_xml(folder / "rec.lfp"))
>>> xml.n_channels, xml.dtype, xml.rate_for(folder / "rec.lfp")
(4, dtype('int16'), 1250.0)
>>> round(xml.gain_uv, 4), xml.anatomical_groups, xml.skipped
(0.3052, [[0, 1]], [1])
"""

from __future__ import annotations

import dataclasses
import os
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import Any

import numpy as np

from memphys.errors import FileFormatError, MemphysFileNotFoundError

__all__ = ["LFP_SUFFIXES", "NeuroscopeXML", "find_xml", "read_xml"]

#: Suffixes of files sampled at ``lfpSamplingRate`` (the others use ``samplingRate``).
LFP_SUFFIXES = (".eeg", ".lfp")


@dataclasses.dataclass(frozen=True)
class NeuroscopeXML:
    """The recording parameters of a Neuroscope ``.xml`` file.

    Attributes
    ----------
    path : pathlib.Path
        The ``.xml`` file.
    n_channels : int
        ``acquisitionSystem/nChannels``.
    n_bits : int
        ``acquisitionSystem/nBits`` (16 for int16 samples).
    sampling_rate : float
        ``acquisitionSystem/samplingRate``: the rate of the ``.dat`` file, in Hz.
    lfp_sampling_rate : float or None
        ``fieldPotentials/lfpSamplingRate``: the rate of ``.eeg``/``.lfp`` files, in Hz.
    voltage_range : float or None
        ``acquisitionSystem/voltageRange``, in volts.
    amplification : float or None
        ``acquisitionSystem/amplification``.
    offset : float
        ``acquisitionSystem/offset`` (0 when absent).
    anatomical_groups : list of list of int
        ``anatomicalDescription/channelGroups``: the channels of each group, in order.
    skipped : list of int
        Channels marked ``skip="1"`` in the anatomical groups.
    spike_groups : list of list of int
        ``spikeDetection/channelGroups`` (the shanks used for spike sorting).
    """

    path: Path
    n_channels: int
    n_bits: int
    sampling_rate: float
    lfp_sampling_rate: float | None
    voltage_range: float | None
    amplification: float | None
    offset: float
    anatomical_groups: list[list[int]]
    skipped: list[int]
    spike_groups: list[list[int]]

    @property
    def dtype(self) -> np.dtype[Any]:
        """The sample type: signed integers of ``n_bits`` bits, little-endian."""
        return np.dtype(f"<i{self.n_bits // 8}")

    @property
    def gain_uv(self) -> float | None:
        """Microvolts per integer step: ``voltageRange / 2**nBits / amplification * 1e6``.

        None when the file gives no voltage range or amplification. (neo reports the same
        factor in millivolts.)
        """
        if not self.voltage_range or not self.amplification:
            return None
        return float(self.voltage_range) / 2**self.n_bits / float(self.amplification) * 1e6

    def rate_for(self, data_path: str | os.PathLike[str]) -> float:
        """The sampling rate of a data file: ``lfpSamplingRate`` for ``.eeg``/``.lfp``,
        ``samplingRate`` otherwise.

        Raises
        ------
        FileFormatError
            If the file is an ``.eeg``/``.lfp`` and the ``.xml`` has no ``lfpSamplingRate``.
        """
        if Path(data_path).suffix.lower() in LFP_SUFFIXES:
            if self.lfp_sampling_rate is None:
                raise FileFormatError(
                    f"Invalid file {str(self.path)!r}: expected a "
                    "fieldPotentials/lfpSamplingRate element for the rate of "
                    f"{Path(data_path).name!r}, but the file has none. Pass `sampling_rate=`."
                )
            return self.lfp_sampling_rate
        return self.sampling_rate

    def channel_groups(self) -> np.ndarray:
        """Anatomical group index of each channel (``-1`` for channels in no group).

        >>> import pathlib
        >>> x = NeuroscopeXML(pathlib.Path("x.xml"), 3, 16, 2e4, None, None, None, 0.0,
        ...                   [[2], [0]], [], [])
        >>> x.channel_groups()
        array([ 1, -1,  0])
        """
        out = np.full(self.n_channels, -1, dtype=np.int64)
        for g, chans in enumerate(self.anatomical_groups):
            for c in chans:
                if 0 <= c < self.n_channels:
                    out[c] = g
        return out


def _bad(path: Path, expected: str, found: str) -> FileFormatError:
    return FileFormatError(
        f"Invalid Neuroscope file {str(path)!r}: expected {expected}, but {found}. Fix the "
        "file or pass the parameters as arguments with `xml=False`."
    )


def _text(root: ElementTree.Element, where: str, path: Path, required: bool) -> str | None:
    node = root.find(where)
    if node is None or node.text is None or not node.text.strip():
        if required:
            raise _bad(path, f"an element {where!r}", "it is missing or empty")
        return None
    return node.text.strip()


def _number(root: ElementTree.Element, where: str, path: Path, required: bool = False) -> Any:
    text = _text(root, where, path, required)
    if text is None:
        return None
    try:
        value = float(text)
    except ValueError:
        raise _bad(path, f"a number in {where!r}", f"found {text!r}") from None
    if not np.isfinite(value):
        raise _bad(path, f"a finite number in {where!r}", f"found {text!r}")
    return value


def _groups(root: ElementTree.Element, where: str, path: Path) -> tuple[list[list[int]], list[int]]:
    groups: list[list[int]] = []
    skipped: list[int] = []
    parent = root.find(where)
    if parent is None:
        return groups, skipped
    for group in parent.findall("group"):
        chans: list[int] = []
        nodes = group.findall("channel")
        if not nodes:  # spikeDetection groups nest the channels in <channels>
            nodes = group.findall("channels/channel")
        for node in nodes:
            try:
                c = int((node.text or "").strip())
            except ValueError:
                raise _bad(path, f"integer channels in {where!r}", f"found {node.text!r}") from None
            chans.append(c)
            if node.get("skip", "0").strip() == "1":
                skipped.append(c)
        groups.append(chans)
    return groups, skipped


def read_xml(path: str | os.PathLike[str]) -> NeuroscopeXML:
    """Parse a Neuroscope ``.xml`` parameter file.

    Parameters
    ----------
    path : str or path-like

    Returns
    -------
    NeuroscopeXML

    Raises
    ------
    MemphysFileNotFoundError
        If the file does not exist.
    FileFormatError
        If it is not well-formed XML, not a Neuroscope parameter file (root ``parameters``
        with an ``acquisitionSystem``), or a required value (``nChannels``, ``nBits``,
        ``samplingRate``) is missing or invalid.

    Examples
    --------
    >>> import pathlib, tempfile
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "bad.xml"
    >>> _ = p.write_text("<parameters><acquisitionSystem><nBits>16</nBits>"
    ...                  "</acquisitionSystem></parameters>")
    >>> read_xml(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    memphys.errors.FileFormatError: Invalid Neuroscope file ...: expected an element ...
    """
    p = Path(path)
    if not p.is_file():
        raise MemphysFileNotFoundError(f"File {p} does not exist")
    try:
        root = ElementTree.parse(p).getroot()
    except ElementTree.ParseError as exc:
        raise _bad(p, "well-formed XML", f"parsing failed ({exc})") from None
    if root.tag != "parameters" or root.find("acquisitionSystem") is None:
        raise _bad(
            p,
            "a Neuroscope parameter file (root <parameters> with <acquisitionSystem>)",
            f"the root element is <{root.tag}>",
        )
    n_channels = _number(root, "acquisitionSystem/nChannels", p, required=True)
    if n_channels != int(n_channels) or n_channels <= 0:
        raise _bad(p, "a positive integer nChannels", f"found {n_channels!r}")
    n_bits = _number(root, "acquisitionSystem/nBits", p, required=True)
    if n_bits not in (8, 16, 32, 64):
        raise _bad(p, "nBits of 8, 16, 32 or 64", f"found {n_bits!r}")
    rate = _number(root, "acquisitionSystem/samplingRate", p, required=True)
    lfp_rate = _number(root, "fieldPotentials/lfpSamplingRate", p)
    for name, value in (("samplingRate", rate), ("lfpSamplingRate", lfp_rate)):
        if value is not None and value <= 0:
            raise _bad(p, f"a positive {name}", f"found {value!r}")
    anatomical, skipped = _groups(root, "anatomicalDescription/channelGroups", p)
    spikes, _ = _groups(root, "spikeDetection/channelGroups", p)
    return NeuroscopeXML(
        path=p,
        n_channels=int(n_channels),
        n_bits=int(n_bits),
        sampling_rate=float(rate),
        lfp_sampling_rate=None if lfp_rate is None else float(lfp_rate),
        voltage_range=_number(root, "acquisitionSystem/voltageRange", p),
        amplification=_number(root, "acquisitionSystem/amplification", p),
        offset=float(_number(root, "acquisitionSystem/offset", p) or 0.0),
        anatomical_groups=anatomical,
        skipped=skipped,
        spike_groups=spikes,
    )


def _is_neuroscope(path: Path) -> bool:
    try:
        for _, elem in ElementTree.iterparse(path, events=("start",)):
            return elem.tag == "parameters"
    except (ElementTree.ParseError, OSError):
        return False
    return False


def find_xml(path: str | os.PathLike[str]) -> Path | None:
    """The Neuroscope ``.xml`` that describes the data file ``path``, or None.

    Looks, in order, for ``<stem>.xml`` beside the file (``rec.xml`` for ``rec.lfp``),
    ``<basename>.xml`` (the name up to its first dot: ``rec.xml`` for
    ``rec.shank1.dat``), and otherwise the only Neuroscope parameter file of the folder
    (other ``.xml`` files, such as Open Ephys ``settings.xml``, are not taken).

    Examples
    --------
    >>> import pathlib, tempfile
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> find_xml(folder / "x.dat") is None
    True
    """
    p = Path(path)
    folder = p.parent
    for name in (p.stem, p.name.split(".")[0]):
        candidate = folder / f"{name}.xml"
        if name and candidate.is_file():
            return candidate
    try:
        xmls = sorted(q for q in folder.glob("*.xml") if q.is_file())
    except OSError:
        return None
    found = [q for q in xmls if _is_neuroscope(q)]
    return found[0] if len(found) == 1 else None
