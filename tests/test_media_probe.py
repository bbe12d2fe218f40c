from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import InputError, NotMediaError
from pipeline.media.probe import parse_probe, probe


def test_probe_reads_container_and_streams(video_with_aac: Path) -> None:
    info = probe(video_with_aac)
    assert "mp4" in info.format_name
    assert info.duration_s == pytest.approx(3.0, abs=0.2)
    assert info.size_bytes == video_with_aac.stat().st_size
    assert info.audio is not None and info.audio.codec_name == "aac"
    assert info.audio.channels == 1 and info.audio.sample_rate == 44100
    assert [s.codec_name for s in info.video_streams] == ["h264"]
    assert info.video_streams[0].width == 160


@pytest.mark.parametrize("name", ["my clip.mp4", "中文 视频.mp4", "-leading-dash.mp4"])
def test_awkward_file_names_probe(name: str, video_with_aac: Path, tmp_path: Path) -> None:
    target = tmp_path / name
    shutil.copy(video_with_aac, target)
    assert probe(target).audio is not None


def test_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"missing\.mp4: no such file"):
        probe(tmp_path / "missing.mp4")


def test_directory_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a directory"):
        probe(tmp_path)


def test_text_file_is_not_media(tmp_path: Path) -> None:
    fake = tmp_path / "notes.mp4"
    fake.write_text("this is not a video\n" * 20)
    with pytest.raises(NotMediaError, match=r"notes\.mp4: not a readable video or audio file"):
        probe(fake)


def test_empty_file_is_not_media(tmp_path: Path) -> None:
    empty = tmp_path / "empty.wav"
    empty.touch()
    with pytest.raises(NotMediaError, match="empty"):
        probe(empty)


def test_truncated_mp4_is_not_media(video_with_aac: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(video_with_aac.read_bytes()[:2000])
    with pytest.raises(NotMediaError, match=r"cut\.mp4"):
        probe(cut)


def test_parse_probe_falls_back_to_stream_duration(tone_wav: Path) -> None:
    info = parse_probe(tone_wav, {"format": {"format_name": "wav"}, "streams": [
        {"index": 0, "codec_type": "audio", "codec_name": "pcm_s16le", "duration": "2.5"}]})
    assert info.duration_s == 2.5 and info.size_bytes == tone_wav.stat().st_size


def test_cover_art_is_not_a_video_stream(make_media: Callable[..., Path]) -> None:
    cover = make_media("cover.png", "-f", "lavfi", "-i", "color=c=green:s=32x32:d=1", "-frames:v", "1")
    song = make_media("song.mp3", "-f", "lavfi", "-i", "sine=duration=1", "-i", str(cover), "-map", "0:a",
                      "-map", "1:v", "-c:v", "png", "-disposition:v", "attached_pic")
    info = probe(song)
    assert info.audio is not None and info.video_streams == ()


@pytest.mark.parametrize(
    ("stored", "rotation", "shown"),
    [((320, 180), 0, (320, 180)), ((320, 180), 90, (180, 320)), ((180, 320), 0, (180, 320)), ((320, 180), 180, (320, 180))],
)
def test_display_size_is_after_rotation(frame_clip: Callable[..., Path], stored: tuple[int, int], rotation: int,
                                        shown: tuple[int, int]) -> None:
    picture = probe(frame_clip(*stored, rotation=rotation, seconds=1)).video_streams[0]
    assert (picture.width, picture.height) == stored
    assert picture.rotation % 180 == rotation % 180
    assert picture.display_size == shown


@pytest.mark.parametrize(("fps", "expected"), [("25", 25.0), ("30000/1001", 29.97), ("24000/1001", 23.976), ("60", 60.0)])
def test_frame_rate_is_read(frame_clip: Callable[..., Path], fps: str, expected: float) -> None:
    assert probe(frame_clip(160, 90, fps=fps, seconds=1)).video_streams[0].frame_rate == pytest.approx(expected, abs=0.001)


def test_sample_aspect_is_read(frame_clip: Callable[..., Path]) -> None:
    assert probe(frame_clip(180, 144, sar="4/3", seconds=1)).video_streams[0].sample_aspect == pytest.approx(4 / 3)


@pytest.mark.parametrize(
    ("raw", "rotation"),
    [({"side_data_list": [{"rotation": -90}]}, 90), ({"side_data_list": [{"rotation": 90}]}, 270),
     ({"tags": {"rotate": "90"}}, 90), ({"side_data_list": [{}]}, 0), ({"side_data_list": [{"rotation": "x"}]}, 0),
     ({"tags": {"rotate": "sideways"}}, 0), ({}, 0)],
)
def test_rotation_from_side_data_or_tag(tmp_path: Path, raw: dict[str, object], rotation: int) -> None:
    (tmp_path / "x.mp4").write_bytes(b"x")
    stream = {"index": 0, "codec_type": "video", "codec_name": "h264", "width": 4, "height": 2,
              "avg_frame_rate": "0/0", "r_frame_rate": "25/1", "sample_aspect_ratio": "0:1", **raw}
    picture = parse_probe(tmp_path / "x.mp4", {"format": {}, "streams": [stream]}).streams[0]
    assert picture.rotation == rotation
    assert picture.frame_rate == 25.0 and picture.sample_aspect == 1.0
