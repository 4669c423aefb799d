"""Neuroscope ``.xml`` parsing and sidecar discovery (``memphys.io.binary.neuroscope``)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from memphys.errors import FileFormatError, MemphysFileNotFoundError
from memphys.io.binary.neuroscope import find_xml, read_xml

DATA = Path(__file__).resolve().parents[3].parent / "shared" / "data"
YUTA = DATA / "neuroscope_YutaMouse42-151117_stub"
A2929 = DATA / "neuroscope_klusters_pynapple_A2929-200711"
needs_data = pytest.mark.skipif(
    not YUTA.is_dir(), reason=f"shared test data not found at {DATA} (../shared/data)"
)

XML = """<?xml version='1.0'?>
<parameters version="1.0">
 <acquisitionSystem>
  <nBits>{bits}</nBits><nChannels>{nch}</nChannels><samplingRate>30000</samplingRate>
  <voltageRange>10</voltageRange><amplification>500</amplification><offset>0</offset>
 </acquisitionSystem>
 <fieldPotentials><lfpSamplingRate>1000</lfpSamplingRate></fieldPotentials>
 <anatomicalDescription><channelGroups>
  <group><channel skip="0">2</channel><channel skip="1">0</channel></group>
  <group><channel skip="0">1</channel></group>
 </channelGroups></anatomicalDescription>
 <spikeDetection><channelGroups>
  <group><channels><channel>2</channel><channel>0</channel></channels><nSamples>32</nSamples></group>
 </channelGroups></spikeDetection>
</parameters>
"""


def write_xml(path: Path, bits: int = 16, nch: int = 4) -> Path:
    path.write_text(XML.format(bits=bits, nch=nch))
    return path


def test_read_xml_fields(tmp_path):
    x = read_xml(write_xml(tmp_path / "s.xml", bits=32, nch=4))
    assert (x.n_channels, x.n_bits, x.sampling_rate, x.lfp_sampling_rate) == (4, 32, 3e4, 1e3)
    assert x.dtype == np.dtype("<i4")
    assert x.anatomical_groups == [[2, 0], [1]]
    assert x.skipped == [0]
    assert x.spike_groups == [[2, 0]]
    assert x.channel_groups().tolist() == [0, 1, 0, -1]
    assert x.gain_uv == pytest.approx(10 / 2**32 / 500 * 1e6)
    assert x.rate_for("a.dat") == 3e4
    assert x.rate_for("a.eeg") == x.rate_for("a.LFP") == 1e3


@needs_data
@pytest.mark.realdata
def test_yuta_xml_matches_neo():
    from neo.rawio import NeuroScopeRawIO

    x = read_xml(YUTA / "YutaMouse42-151117.xml")
    assert (x.n_channels, x.n_bits, x.sampling_rate, x.lfp_sampling_rate) == (80, 16, 2e4, 1250)
    r = NeuroScopeRawIO(filename=str(YUTA / "YutaMouse42-151117.eeg"))
    r.parse_header()
    chans = r.header["signal_channels"]
    assert len(chans) == x.n_channels
    # neo reports millivolts per step; we report microvolts
    assert np.allclose(chans["gain"] * 1e3, x.gain_uv)
    groups = x.channel_groups()
    for ch in chans:
        c = int(ch["id"])
        assert ch["name"] == f"ch{c}grp{groups[c] if groups[c] >= 0 else 'none'}"


@needs_data
@pytest.mark.realdata
def test_a2929_xml():
    x = read_xml(A2929 / "A2929-200711.xml")
    assert x.n_channels == 16
    assert x.sampling_rate == 2e4
    assert sorted(c for g in x.anatomical_groups for c in g) == list(range(16))


def test_find_xml_beside_the_file(tmp_path):
    xml = write_xml(tmp_path / "rec.xml")
    assert find_xml(tmp_path / "rec.dat") == xml
    assert find_xml(tmp_path / "rec.lfp") == xml
    assert find_xml(tmp_path / "rec.shank1.dat") == xml  # pynapple's basename rule


def test_find_xml_single_neuroscope_file_in_folder(tmp_path):
    (tmp_path / "settings.xml").write_text("<SETTINGS><INFO/></SETTINGS>")  # Open Ephys
    assert find_xml(tmp_path / "continuous.dat") is None
    xml = write_xml(tmp_path / "session.xml")
    assert find_xml(tmp_path / "continuous.dat") == xml
    write_xml(tmp_path / "other.xml")
    assert find_xml(tmp_path / "continuous.dat") is None  # ambiguous: two candidates


def test_malformed_xml(tmp_path):
    p = tmp_path / "bad.xml"
    p.write_text("<parameters><acquisitionSystem>")
    with pytest.raises(FileFormatError, match="well-formed XML"):
        read_xml(p)


def test_not_a_neuroscope_file(tmp_path):
    p = tmp_path / "settings.xml"
    p.write_text("<SETTINGS/>")
    with pytest.raises(FileFormatError, match="root element is <SETTINGS>"):
        read_xml(p)


@pytest.mark.parametrize(
    ("old", "new", "match"),
    [
        ("<nChannels>4</nChannels>", "", "nChannels"),
        ("<nChannels>4</nChannels>", "<nChannels>four</nChannels>", "a number"),
        ("<nChannels>4</nChannels>", "<nChannels>0</nChannels>", "positive integer"),
        ("<nBits>16</nBits>", "<nBits>12</nBits>", "nBits of 8, 16, 32 or 64"),
        ("<samplingRate>30000</samplingRate>", "<samplingRate>-1</samplingRate>", "positive"),
    ],
)
def test_invalid_values(tmp_path, old, new, match):
    p = write_xml(tmp_path / "s.xml")
    p.write_text(p.read_text().replace(old, new))
    with pytest.raises(FileFormatError, match=match):
        read_xml(p)


def test_missing_xml(tmp_path):
    with pytest.raises(MemphysFileNotFoundError):
        read_xml(tmp_path / "none.xml")


def test_lfp_rate_missing(tmp_path):
    p = write_xml(tmp_path / "s.xml")
    p.write_text(p.read_text().replace("<lfpSamplingRate>1000</lfpSamplingRate>", ""))
    x = read_xml(p)
    assert x.lfp_sampling_rate is None
    with pytest.raises(FileFormatError, match="lfpSamplingRate"):
        x.rate_for("s.eeg")
