"""The recordings of ../shared/data and how to open each with memphys.ephys's readers.

One row per (dataset, stream): the memphys call, the neo RawIO and its arguments that read
the same stream (the reference), and what probe probeinterface reads for it, if any.
Shared by the realdata tests and ``compat/check_spikeinterface_readers.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
if not DATA.is_dir():  # worktrees live in /work/wt/<name>: the data is /work/shared/data
    DATA = Path("/work/shared/data")


@dataclass(frozen=True)
class Case:
    dataset: str
    reader: str  # function of memphys.ephys (and of spikeinterface.extractors)
    path: str  # inside the dataset
    kwargs: dict[str, Any] = field(default_factory=dict)
    neo: str = ""  # neo RawIO class
    neo_kwargs: dict[str, Any] = field(default_factory=dict)  # path keys relative to DATA
    stream_index: int = 0  # neo stream index
    block_index: int = 0
    probe: str | None = None  # "spikeglx:<meta>" or "openephys:<settings>:<stream>"
    rate: float | None = None  # expected rate when neo's is wrong

    @property
    def id(self) -> str:
        extra = "-".join(str(v) for v in self.kwargs.values())
        return f"{self.dataset}-{extra}" if extra else self.dataset

    def full(self) -> Path:
        return DATA / self.dataset / self.path


def _intan(ds: str, f: str, streams: list[str]) -> list[Case]:
    return [
        Case(ds, "read_intan", f, {"stream_id": s}, "IntanRawIO", {"filename": f"{ds}/{f}"}, k)
        for k, s in enumerate(streams)
    ]


def _glx(ds: str, streams: list[tuple[str, int, str | None]]) -> list[Case]:
    return [
        Case(
            ds,
            "read_spikeglx",
            "",
            {"stream_id": s},
            "SpikeGLXRawIO",
            {"dirname": ds},
            k,
            probe=None if meta is None else f"spikeglx:{ds}/{meta}",
        )
        for s, k, meta in streams
    ]


_OE6 = "openephys_binary_v0.6_neuropixels_multiexp"
_NODE = "Record Node 101"


def _oe6() -> list[Case]:
    out = []
    for b, exp, settings in [
        (0, "experiment1", "settings.xml"),
        (1, "experiment3", "settings_3.xml"),
        (2, "experiment6", "settings_6.xml"),
    ]:
        for k, name in enumerate(
            ["NI-DAQmx-103.PXIe-6341", "Neuropix-PXI-100.ProbeB", "Neuropix-PXI-100.ProbeC"]
        ):
            probe = None if k == 0 else f"openephys:{_OE6}/{_NODE}/{settings}:{name}"
            out.append(
                Case(
                    _OE6,
                    "read_openephys",
                    "",
                    {"experiment_name": exp, "stream_name": f"{_NODE}#{name}"},
                    "OpenEphysBinaryRawIO",
                    {"dirname": _OE6},
                    k,
                    b,
                    probe=probe,
                )
            )
    return out


_YUTA = "neuroscope_YutaMouse42-151117_stub"
_MS22 = "neuroscope_cellexplorer_MS22_stub"
_MS22_BASE = "Peter_MS22_180629_110319_concat_stubbed"
_RAW = [
    ("rawbinary_tridesclous_locust", "locust_trial_01.raw", "int16", 15000.0, 4),
    ("rawbinary_tridesclous_locust", "locust_trial_02.raw", "int16", 15000.0, 4),
    ("rawbinary_phy-data_test-4ch-1s", "test-4ch-1s.dat", "int16", 20000.0, 4),
    ("rawbinary_tridesclous_purkinje", "purkinje_cell_attached.raw", "float32", 15000.0, 1),
]

CASES: list[Case] = [
    *_intan("intan_rhd_fpc_test_231117", "info.rhd", ["0", "1", "3", "4"]),
    *_intan("intan_rhd_fps_test_231117", "info.rhd", ["0", "1", "3", "4"]),
    *_intan("intan_rhd_intan-sampledata", "sampledata.rhd", ["0", "1"]),
    *_intan("intan_rhd_olveczky_r4_part", "r4_210612_195804_part.rhd", ["0", "1", "2", "4"]),
    *_intan("intan_rhd_onefilepersignal_ephys2", "info.rhd", ["0", "1", "4"]),
    Case(
        "openephys_binary_v0.4.4.1_cinpla_video_tracking",
        "read_openephys",
        "",
        {},
        "OpenEphysBinaryRawIO",
        {"dirname": "openephys_binary_v0.4.4.1_cinpla_video_tracking"},
    ),
    Case(
        "openephys_binary_v0.4.4.1_cinpla_with_spikes",
        "read_openephys",
        "",
        {},
        "OpenEphysBinaryRawIO",
        {"dirname": "openephys_binary_v0.4.4.1_cinpla_with_spikes"},
    ),
    *_oe6(),
    Case(
        "plexon_plx_File_plexon_3",
        "read_plexon",
        "File_plexon_3.plx",
        {},
        "PlexonRawIO",
        {"filename": "plexon_plx_File_plexon_3/File_plexon_3.plx"},
    ),
    *_glx(
        "spikeglx_NP2_with_sync",
        [
            ("imec0.ap", 0, "all_chan_g0_imec0/all_chan_g0_t0.imec0.ap.meta"),
            ("nidq", 1, None),
            ("imec0.ap-SYNC", 2, None),
        ],
    ),
    *_glx(
        "spikeglx_Noise4Sam_g0",
        [
            ("imec0.ap", 0, "Noise4Sam_g0_imec0/Noise4Sam_g0_t0.imec0.ap.meta"),
            ("nidq", 1, None),
            ("imec0.ap-SYNC", 2, None),
        ],
    ),
    *_glx(
        "spikeglx_TEST_20210920_0_g0",
        [("imec0.ap", 0, "TEST_20210920_0_g0_t0.imec0.ap.meta"), ("imec0.ap-SYNC", 1, None)],
    ),
    *_glx(
        "spikeglx_long_nhp_stubbed",
        [
            ("imec0.lf", 0, "snippet_g0/snippet_g0_imec0/snippet_g0_t0.imec0.ap.meta"),
            ("imec0.lf-SYNC", 1, None),
        ],
    ),
    *_glx(
        "spikeglx_multi_probe_multi_dock",
        [
            ("imec1.ap", 0, "probe_2/npx.imec.ap.meta"),
            ("imec0.ap", 1, "probe_1/npx.imec.ap.meta"),
            ("imec2.ap", 2, "probe_3/npx.imec.ap.meta"),
            ("imec1.ap-SYNC", 3, None),
        ],
    ),
    *_glx(
        "spikeglx_np_ultra_stub",
        [
            ("imec0.ap", 0, "p5_g0/p5_g0_imec0/p5_g0_t0.imec0.ap.meta"),
            ("imec0.lf", 1, "p5_g0/p5_g0_imec0/p5_g0_t0.imec0.ap.meta"),
            ("imec0.ap-SYNC", 2, None),
        ],
    ),
    Case(
        _YUTA,
        "read_neuroscope",
        "YutaMouse42-151117.lfp",
        {},
        "NeuroScopeRawIO",
        {
            "filename": f"{_YUTA}/YutaMouse42-151117.xml",
            "binary_file": f"{_YUTA}/YutaMouse42-151117.lfp",
        },
        rate=1250.0,
    ),
    Case(
        _YUTA,
        "read_neuroscope",
        "YutaMouse42-151117.eeg",
        {},
        "NeuroScopeRawIO",
        {
            "filename": f"{_YUTA}/YutaMouse42-151117.xml",
            "binary_file": f"{_YUTA}/YutaMouse42-151117.eeg",
        },
        rate=1250.0,
    ),
    *[
        Case(
            _MS22,
            "read_neuroscope",
            f"{_MS22_BASE}{ext}",
            {},
            "RawBinarySignalRawIO",
            {
                "filename": f"{_MS22}/{_MS22_BASE}{ext}",
                "dtype": "int16",
                "nb_channel": 128,
                "sampling_rate": rate,
            },
            rate=rate,
        )
        for ext, rate in ((".dat", 20000.0), (".lfp", 1250.0))
    ],
    *[
        Case(
            ds,
            "read_binary",
            f,
            {"sampling_frequency": fs, "dtype": dt, "num_channels": n},
            "RawBinarySignalRawIO",
            {"filename": f"{ds}/{f}", "dtype": dt, "nb_channel": n, "sampling_rate": fs},
        )
        for ds, f, dt, fs, n in _RAW
    ],
]
