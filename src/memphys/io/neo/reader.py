"""``EphysReader``: vendor electrophysiology formats, lazily, through neo's RawIO.

One reader per recording (a file or a folder). It is a dict-like of pynapple objects, built
on first access of their key:

- one :class:`~memphys.TsdFrame` per signal stream (and segment) with a regular time index
  ``(t_start, rate, n)`` and lazy values: memory-mapped where neo describes the stream's
  buffer as a raw binary file, else read with ``get_analogsignal_chunk`` one contiguous
  block at a time. Values are the raw samples; per-channel ``gain``/``offset``/``units`` are
  column metadata and ``reader.get(key, scaled=True)`` (or ``EphysReader(...,
  scaled=True)``) gives ``raw * gain + offset`` in float32, computed block by block;
- a :class:`~memphys.TsGroup` for spike channels (a :class:`~memphys.Ts` when there is
  only one), :class:`~memphys.Ts` for events and :class:`~memphys.IntervalSet` for epochs.

Keys follow pynapple's ``EphysReader``: ``"{stream_index}:{stream_name}"`` for signals,
``"TsGroup"`` (or ``"Ts:{name}"``) for spikes, ``"{index}:{name}"`` for events and epochs,
prefixed with ``"block{b}/"`` when a recording holds several blocks (Open Ephys
experiments) and with ``"seg{s}/"`` for segments after the first. Neuroscope sessions use
file names as keys, as pynapple does.

Examples
--------
>>> import memphys as nap
>>> data = nap.EphysReader("Record Node 109")  # doctest: +SKIP
>>> print(data)  # doctest: +SKIP
Record Node 109
┍━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┯━━━━━━━━━━┑
│ Key                                             │ Type     │
┝━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┿━━━━━━━━━━┥
│ 0:Record Node 109#Neuropix-PXI-103.ProbeA       │ TsdFrame │
│ 0:Messages                                      │ Ts       │
┕━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┷━━━━━━━━━━┙
"""

from __future__ import annotations

import os
import warnings
from collections import UserDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from memphys.arrays.neo_array import open_rawio
from memphys.core import IntervalSet, Ts, TsGroup
from memphys.errors import (
    FileFormatError,
    MemphysFileNotFoundError,
    MemphysKeyError,
    MemphysTypeError,
)
from memphys.io.neo.formats import (
    FORMATS,
    block_names,
    cellexplorer_session,
    check_spikeglx_sizes,
    detect_format,
    lfp_sampling_rate,
    neuroscope_files,
    neuroscope_spike_groups,
    rawio_arguments,
    read_clu_res,
    resolve_format,
    signal_frame,
)

__all__ = ["EphysReader", "FORMATS"]


@dataclass
class _Entry:
    """A key of the reader before it is loaded: its type name and how to build it."""

    type: str
    load: Callable[[bool], Any]
    info: dict[str, Any] = field(default_factory=dict)


def _table(title: str, rows: list[tuple[str, str]]) -> str:
    """``title`` then a two-column table laid out as tabulate's ``mixed_outline`` format."""
    headers = ("Key", "Type")
    w0 = max([len(headers[0]), *(len(r[0]) for r in rows)])
    w1 = max([len(headers[1]), *(len(r[1]) for r in rows)])

    def line(left: str, mid: str, right: str) -> str:
        return left + "━" * (w0 + 2) + mid + "━" * (w1 + 2) + right

    def row(a: str, b: str) -> str:
        return f"│ {a.ljust(w0)} │ {b.ljust(w1)} │"

    out = [title, line("┍", "┯", "┑"), row(*headers), line("┝", "┿", "┥")]
    out += [row(a, b) for a, b in rows]
    out.append(line("┕", "┷", "┙"))
    return "\n".join(out)


def _fixed_key(name: str) -> Callable[[int, str], str]:
    """A signal-key function giving every stream the key ``name`` (a file name)."""

    def key(stream_index: int, stream_name: str) -> str:
        return name

    return key


class EphysReader(UserDict):
    """Read an electrophysiology recording lazily through neo's RawIO.

    Supported (and tested on real recordings): Open Ephys binary (every experiment and
    stream), SpikeGLX, Intan (``.rhd`` single file and one-file-per-signal /
    one-file-per-channel folders), Plexon ``.plx``, Neuroscope (``.dat``/``.lfp``/``.eeg``
    with the ``.xml``, and ``.clu``/``.res`` sortings) and headerless raw binary. Any other
    neo RawIO can be named with ``format=``.

    Parameters
    ----------
    path : str or Path
        The recording: a file (``.rhd``, ``.plx``, ``.xml``, ``.dat``, ``.oebin``,
        ``.meta``, ...) or a folder.
    format : str or type, optional
        A short name (``"openephys"``, ``"spikeglx"``, ``"intan"``, ``"plexon"``,
        ``"neuroscope"``, ``"rawbinary"``), a neo RawIO or IO class name
        (``"OpenEphysBinaryRawIO"``, ``"PlexonIO"``; case-insensitive, suffix optional) or
        such a class. Detected from the path when omitted.
    block_index : int, optional
        Read only this block (Open Ephys: experiment); by default every block is listed,
        with keys prefixed ``"block{b}/"`` when there are several.
    scaled : bool, default False
        Return signals as ``raw * gain + offset`` (float32, neo's units) instead of raw
        samples. ``get(key, scaled=...)`` overrides it per access.
    lazy : bool, default True
        Accepted for pynapple compatibility; signals are always lazy.
    **rawio_kwargs
        Passed to the neo RawIO. Raw binary needs ``sampling_rate``, ``dtype`` and
        ``n_channels`` (``nb_channel``); Open Ephys accepts ``experiment_names``.

    Raises
    ------
    MemphysFileNotFoundError
        If ``path`` does not exist.
    FileFormatError
        If the format is unknown (the message lists the supported ones), cannot be detected,
        or neo cannot parse the files.

    Warns
    -----
    UserWarning
        SpikeGLX: a ``.meta`` whose ``fileSizeBytes`` disagrees with the ``.bin`` on disk
        (the sample count always comes from the file size).

    Examples
    --------
    >>> import memphys as nap
    >>> data = nap.EphysReader("File_plexon_3.plx")  # doctest: +SKIP
    >>> print(data)  # doctest: +SKIP
    File_plexon_3
    ┍━━━━━━━━━┯━━━━━━━━━━┑
    │ Key     │ Type     │
    ┝━━━━━━━━━┿━━━━━━━━━━┥
    │ 0:V     │ TsdFrame │
    │ TsGroup │ TsGroup  │
    ┕━━━━━━━━━┷━━━━━━━━━━┙
    >>> lfp = data["0:V"]  # doctest: +SKIP
    >>> volts = data.get("0:V", scaled=True)  # doctest: +SKIP

    A folder that is not a recording is refused with the list of formats:

    >>> import tempfile
    >>> nap.EphysReader(tempfile.mkdtemp())  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    memphys.errors.FileFormatError: Cannot detect the recording format of ...
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        format: str | type | None = None,
        block_index: int | None = None,
        scaled: bool = False,
        lazy: bool = True,
        **rawio_kwargs: Any,
    ) -> None:
        if not isinstance(path, str | os.PathLike):
            raise MemphysTypeError(
                f"Invalid type for `path`: expected str or pathlib.Path, but got "
                f"{type(path).__name__}."
            )
        self.path = Path(path)
        if not self.path.exists():
            raise MemphysFileNotFoundError(f"Files not found: {str(self.path)!r} does not exist.")
        self.name = self.path.stem if self.path.is_file() else self.path.name
        self.scaled = bool(scaled)
        if block_index is not None and (
            not isinstance(block_index, int | np.integer) or isinstance(block_index, bool)
        ):
            raise MemphysTypeError(
                f"Invalid type for `block_index`: expected an int or None, but got "
                f"{type(block_index).__name__}."
            )
        rawio_name = resolve_format(format) if format is not None else detect_format(self.path)
        self.format = rawio_name
        self._sources: list[tuple[str, dict[str, Any], Any]] = []
        self._labels: dict[str, np.ndarray] = {}
        UserDict.__init__(self)
        if rawio_name == "NeuroScopeRawIO":
            self._collect_neuroscope(rawio_kwargs)
        else:
            kwargs = rawio_arguments(rawio_name, self.path, rawio_kwargs)
            rawio = self._open(rawio_name, kwargs)
            self._collect(rawio_name, kwargs, rawio, block_index, prefix="")

    # --- opening ----------------------------------------------------------------------
    def _open(self, rawio_name: str, kwargs: dict[str, Any]) -> Any:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*progress_bar.*")
            try:
                rawio = open_rawio(rawio_name, kwargs)
            except (OSError, ValueError, KeyError, IndexError, TypeError, AssertionError) as exc:
                raise FileFormatError(
                    f"neo's {rawio_name} cannot read {str(self.path)!r} with arguments "
                    f"{kwargs}: {type(exc).__name__}: {exc}. Check the path and `format=`."
                ) from exc
        if rawio_name == "SpikeGLXRawIO":
            check_spikeglx_sizes(rawio)
        self._sources.append((rawio_name, kwargs, rawio))
        return rawio

    @property
    def rawio(self) -> Any:
        """The (first) neo RawIO behind the reader, header parsed."""
        return self._sources[0][2] if self._sources else None

    @property
    def blocks(self) -> list[str]:
        """Names of the recording's blocks (Open Ephys: experiment names)."""
        return block_names(self.rawio) if self.rawio is not None else []

    # --- entries ----------------------------------------------------------------------
    def _collect(
        self,
        rawio_name: str,
        kwargs: dict[str, Any],
        rawio: Any,
        block_index: int | None,
        prefix: str,
        signal_key: Callable[[int, str], str] | None = None,
        rate: float | None = None,
    ) -> None:
        header = rawio.header
        nb = int(header["nb_block"])
        if block_index is not None:
            if not -nb <= int(block_index) < nb:
                raise FileFormatError(
                    f"Invalid value for `block_index`: {str(self.path)!r} holds {nb} block(s) "
                    f"({', '.join(block_names(rawio))}), but got {block_index}."
                )
            blocks = [int(block_index) % nb]
        else:
            blocks = list(range(nb))
        streams = header["signal_streams"]
        for b in blocks:
            bp = prefix + (f"block{b}/" if len(blocks) > 1 else "")
            nseg = int(rawio.segment_count(b))
            for s in range(nseg):
                sp = bp + (f"seg{s}/" if s > 0 else "")
                for k in range(len(streams)):
                    name = str(streams[k]["name"])
                    key = sp + (signal_key(k, name) if signal_key else f"{k}:{name}")
                    self.data[key] = _Entry(
                        "TsdFrame",
                        self._signal_loader(rawio_name, kwargs, rawio, b, s, k, rate),
                        {"block": b, "segment": s, "stream": k},
                    )
            self._collect_spikes(rawio, b, nseg, bp)
            self._collect_events(rawio, b, nseg, bp)

    def _signal_loader(
        self,
        rawio_name: str,
        kwargs: dict[str, Any],
        rawio: Any,
        b: int,
        s: int,
        k: int,
        rate: float | None,
    ) -> Callable[[bool], Any]:
        def load(scaled: bool) -> Any:
            return signal_frame(rawio_name, kwargs, rawio, b, s, k, scaled, rate)

        return load

    def _collect_spikes(self, rawio: Any, b: int, nseg: int, prefix: str) -> None:
        chans = rawio.header["spike_channels"]
        if len(chans) == 0:
            return

        def times(c: int) -> np.ndarray:
            parts = []
            for s in range(nseg):
                raw = rawio.get_spike_timestamps(b, s, c, None, None)
                parts.append(rawio.rescale_spike_timestamp(raw, dtype="float64"))
            return np.concatenate(parts) if parts else np.zeros(0)

        def load_group(scaled: bool) -> Any:
            units = {c: Ts(t=np.sort(times(c))) for c in range(len(chans))}
            meta = {"neo_name": np.asarray(chans["name"]).astype(str)}
            meta["neo_id"] = np.asarray(chans["id"]).astype(str)
            return TsGroup(units, metadata=meta)

        if len(chans) == 1:

            def load_one(scaled: bool) -> Any:
                return Ts(t=np.sort(times(0)))

            self.data[f"{prefix}Ts:{chans['name'][0]}"] = _Entry("Ts", load_one)
        else:
            self.data[f"{prefix}TsGroup"] = _Entry("TsGroup", load_group)

    def _collect_events(self, rawio: Any, b: int, nseg: int, prefix: str) -> None:
        chans = rawio.header["event_channels"]
        kinds = [
            bytes(np.asarray(t)).decode() if not isinstance(t, str) else t for t in chans["type"]
        ]
        n_ev = n_ep = 0
        for c, kind in enumerate(kinds):
            name = str(chans["name"][c])
            if kind == "epoch":
                key, n_ep = f"{prefix}{n_ep}:{name}", n_ep + 1
                self.data[key] = _Entry(
                    "IntervalSet", self._event_loader(rawio, b, nseg, c, key, True)
                )
            else:
                key, n_ev = f"{prefix}{n_ev}:{name}", n_ev + 1
                if key in self.data:  # a signal stream with the same index and name
                    key = f"{prefix}event {key[len(prefix) :]}"
                self.data[key] = _Entry("Ts", self._event_loader(rawio, b, nseg, c, key, False))

    def _event_loader(
        self, rawio: Any, b: int, nseg: int, c: int, key: str, epoch: bool
    ) -> Callable[[bool], Any]:
        def load(scaled: bool) -> Any:
            t_parts, d_parts, l_parts = [], [], []
            for s in range(nseg):
                ts, dur, labels = rawio.get_event_timestamps(b, s, c, None, None)
                t_parts.append(
                    rawio.rescale_event_timestamp(ts, dtype="float64", event_channel_index=c)
                )
                if epoch:
                    d_parts.append(
                        rawio.rescale_epoch_duration(dur, dtype="float64", event_channel_index=c)
                    )
                l_parts.append(np.asarray(labels).astype(str))
            t = np.concatenate(t_parts) if t_parts else np.zeros(0)
            labels = np.concatenate(l_parts) if l_parts else np.zeros(0, dtype=str)
            order = np.argsort(t, kind="stable")
            self._labels[key] = labels[order]
            if epoch:
                d = np.concatenate(d_parts) if d_parts else np.zeros(0)
                return IntervalSet(
                    start=t[order], end=t[order] + d[order], metadata={"label": labels[order]}
                )

            return Ts(t=t[order])

        return load

    def _collect_neuroscope(self, rawio_kwargs: dict[str, Any]) -> None:
        try:
            xml, binaries = neuroscope_files(self.path)
        except FileFormatError:
            session = cellexplorer_session(self.path)
            if session is None:
                raise
            self._collect_cellexplorer(*session)
            return
        if rawio_kwargs:
            raise MemphysTypeError(
                f"Invalid arguments for a Neuroscope session: the .xml describes the files, "
                f"but got {sorted(rawio_kwargs)}."
            )
        for binary in binaries:
            kwargs = {"filename": str(xml), "binary_file": str(binary)}
            rawio = self._open("NeuroScopeRawIO", kwargs)
            rate = None
            if binary.suffix.lower() in (".lfp", ".eeg"):
                # neo 0.14 reports samplingRate for every file: .lfp/.eeg are at lfpSamplingRate
                rate = lfp_sampling_rate(xml)
            self._collect(
                "NeuroScopeRawIO",
                kwargs,
                rawio,
                None,
                prefix="",
                signal_key=_fixed_key(binary.name),
                rate=rate,
            )
        if self.path.is_file() and self.path.suffix.lower() != ".xml":
            return  # one binary file asked for: its signals only
        for clu, res, shank in neuroscope_spike_groups(xml):

            def load(scaled: bool, clu: Path = clu, res: Path = res, shank: int = shank) -> Any:
                return read_clu_res(xml, clu, res, shank)

            self.data[clu.name] = _Entry("TsGroup", load)

    def _collect_cellexplorer(self, params: dict[str, Any], binaries: list[Path]) -> None:
        # No .xml: CellExplorer's session.mat gives the parameters of the int16 files
        for binary in binaries:
            lfp = binary.suffix.lower() in (".lfp", ".eeg")
            kwargs = {
                "filename": str(binary),
                "dtype": params["dtype"],
                "sampling_rate": params["lfp_rate"] if lfp else params["sampling_rate"],
                "nb_channel": params["n_channels"],
                "signal_gain": params["gain"],
                "signal_offset": 0.0,
            }
            rawio = self._open("RawBinarySignalRawIO", kwargs)
            self._collect(
                "RawBinarySignalRawIO",
                kwargs,
                rawio,
                None,
                prefix="",
                signal_key=_fixed_key(binary.name),
            )

    # --- dict-like access ---------------------------------------------------------------
    def _load(self, key: str, scaled: bool) -> Any:
        if key not in self.data:
            raise MemphysKeyError(f"Key {key!r} not found. Available keys: {list(self.data)}")
        item = self.data[key]
        if not isinstance(item, _Entry):
            return item
        if item.type != "TsdFrame":
            obj = item.load(scaled)
            self.data[key] = obj
            return obj
        cache = item.info.setdefault("cache", {})
        if scaled not in cache:
            cache[scaled] = item.load(scaled)
        return cache[scaled]

    def __getitem__(self, key: str) -> Any:
        """The object of ``key`` (signals raw unless the reader was made with ``scaled=True``)."""
        return self._load(key, self.scaled)

    def get(self, key: str, default: Any = None, *, scaled: bool | None = None) -> Any:
        """The object of ``key`` or ``default``; ``scaled`` picks raw or scaled signals.

        Parameters
        ----------
        key : str
        default : object, optional
            Returned when ``key`` is not in the reader.
        scaled : bool, optional
            For signals: ``True`` gives ``raw * gain + offset`` in float32, ``False`` the raw
            samples; by default the reader's ``scaled`` setting.
        """
        if key not in self.data:
            return default
        return self._load(key, self.scaled if scaled is None else bool(scaled))

    def __setitem__(self, key: str, value: Any) -> None:
        self.data[key] = value

    def keys(self) -> Any:
        """The available keys (nothing is loaded)."""
        return self.data.keys()

    def type_of(self, key: str) -> str:
        """The type name of ``key`` (``"TsdFrame"``, ``"TsGroup"``, ...) without loading it."""
        item = self.data[key]
        return item.type if isinstance(item, _Entry) else type(item).__name__

    def labels(self, key: str) -> np.ndarray:
        """The labels of the events (or epochs) of ``key``, in time order."""
        self._load(key, self.scaled)
        if key not in self._labels:
            raise MemphysKeyError(f"Key {key!r} holds no events or epochs.")
        return self._labels[key]

    def __str__(self) -> str:
        return _table(self.name, [(k, self.type_of(k)) for k in self.data])

    def __repr__(self) -> str:
        return self.__str__()

    def close(self) -> None:
        """Drop the neo readers and loaded objects (keys stay listed)."""
        self._sources.clear()
