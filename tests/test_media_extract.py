from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pipeline.errors import NoAudioError, NotMediaError, SilentAudioError, TooLargeError
from pipeline.media import checks
from pipeline.media.extract import ExtractionPlan, extract_audio, extract_command, plan_extraction
from pipeline.media.limits import MB, VendorLimits
from pipeline.media.probe import MediaInfo, StreamInfo, probe


def info_with(codec: str, duration_s: float, bit_rate: int | None = 128_000, sample_rate: int = 44100,
              channels: int = 2, path: Path = Path("/media/x.mp4")) -> MediaInfo:
    audio = StreamInfo(1, "audio", codec, channels=channels, sample_rate=sample_rate, bit_rate=bit_rate)
    return MediaInfo(path, "mov,mp4", duration_s, 1, None, (StreamInfo(0, "video", "h264"), audio))


@pytest.mark.parametrize(("codec", "extension"), [("aac", "m4a"), ("mp3", "mp3"), ("opus", "ogg"),
                                                  ("vorbis", "ogg"), ("pcm_s16le", "wav")])
def test_known_codecs_are_copied_into_their_container(codec: str, extension: str) -> None:
    plan = plan_extraction(info_with(codec, 60))
    assert (plan.mode, plan.extension) == ("copy", extension)
    assert plan.args() == ["-c:a", "copy"]
    assert "copied" in plan.reason


def test_unsupported_codec_is_transcoded_to_wav_when_it_fits() -> None:
    plan = plan_extraction(info_with("ac3", 600))
    assert (plan.mode, plan.extension, plan.codec) == ("transcode", "wav", "pcm_s16le")
    assert "ac3 has no container" in plan.reason
    assert plan.args() == ["-c:a", "pcm_s16le", "-ac", "1", "-ar", "16000"]


def test_copy_over_the_limit_is_transcoded() -> None:
    # 3 h of 320 kbit/s AAC is 432 MB: too big to copy; as 16 kHz WAV it is 346 MB: too big too.
    plan = plan_extraction(info_with("aac", 3 * 3600, bit_rate=320_000))
    assert (plan.mode, plan.extension) == ("transcode", "m4a")
    assert plan.bitrate_kbps is not None
    assert plan.bitrate_kbps * 1000 / 8 * 3 * 3600 <= 200 * MB


def test_long_audio_gets_the_highest_bitrate_that_fits() -> None:
    short = plan_extraction(info_with("ac3", 2 * 3600))
    longer = plan_extraction(info_with("ac3", 20 * 3600))
    assert short.bitrate_kbps is not None and longer.bitrate_kbps is not None
    assert short.bitrate_kbps > longer.bitrate_kbps >= 16


def test_audio_that_cannot_fit_at_all_asks_for_a_split() -> None:
    with pytest.raises(TooLargeError, match="split it"):
        plan_extraction(info_with("ac3", 40 * 3600))


def test_small_limit_is_respected() -> None:
    limits = VendorLimits(max_bytes=1 * MB)
    plan = plan_extraction(info_with("aac", 60, bit_rate=256_000), limits)
    assert plan.mode == "transcode"


def test_no_audio_stream_is_refused() -> None:
    info = MediaInfo(Path("/m/mute.mp4"), "mp4", 3, 1, None, (StreamInfo(0, "video", "h264"),))
    with pytest.raises(NoAudioError, match=r"mute\.mp4: has no audio stream"):
        plan_extraction(info)


def test_command_uses_absolute_paths_and_first_audio_stream(tmp_path: Path) -> None:
    plan = ExtractionPlan("copy", "m4a", "aac", None, "")
    cmd = extract_command(Path("-odd name.mp4"), tmp_path / "out.m4a", plan)
    assert cmd[cmd.index("-i") + 1].startswith("/")
    assert cmd[cmd.index("-map") + 1] == "0:a:0"
    assert cmd[-1] == str((tmp_path / "out.m4a").resolve())


def test_extract_copies_aac_from_video(video_with_aac: Path, tmp_path: Path) -> None:
    audio = extract_audio(probe(video_with_aac), tmp_path)
    assert audio.plan.mode == "copy" and audio.path.suffix == ".m4a"
    out = probe(audio.path)
    assert out.video_streams == () and out.audio is not None and out.audio.codec_name == "aac"
    assert out.duration_s == pytest.approx(3.0, abs=0.2)
    assert list(tmp_path.glob("*.part")) == []


def test_extract_transcodes_when_asked(video_with_aac: Path, tmp_path: Path) -> None:
    plan = ExtractionPlan("transcode", "wav", "pcm_s16le", None, "test")
    out = probe(extract_audio(probe(video_with_aac), tmp_path, plan).path)
    assert out.audio is not None and (out.audio.codec_name, out.audio.sample_rate, out.audio.channels) == ("pcm_s16le", 16000, 1)


def test_extract_is_stable_across_reruns(video_with_aac: Path, tmp_path: Path) -> None:
    first = extract_audio(probe(video_with_aac), tmp_path)
    second = extract_audio(probe(video_with_aac), tmp_path)
    assert first.path == second.path


def test_corrupt_audio_data_fails_cleanly(video_with_aac: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.mp4"
    data = bytearray(video_with_aac.read_bytes())
    broken.write_bytes(bytes(data[: len(data) * 2 // 3]))  # header intact, media data cut off
    try:
        info = probe(broken)
    except NotMediaError:
        return  # ffprobe already refuses it: fine, that is a clear error too
    with pytest.raises(NotMediaError, match=r"broken\.mp4"):
        plan = ExtractionPlan("transcode", "wav", "pcm_s16le", None, "test")
        extract_audio(info, tmp_path / "out", plan)
        checks.check_not_silent(probe(next((tmp_path / "out").glob("*.wav"))))
    assert list(tmp_path.rglob("*.part")) == []


def test_checks_pass_for_real_audio(tone_wav: Path) -> None:
    # ffmpeg's sine has amplitude 1/8: about -21 dBFS RMS.
    assert -25 < checks.check_for_vendor(probe(tone_wav)) < -15


def test_silent_audio_is_refused(silent_wav: Path) -> None:
    with pytest.raises(SilentAudioError, match=r"silence\.wav: audio is silent"):
        checks.check_for_vendor(probe(silent_wav))


def test_video_without_audio_is_refused(video_without_audio: Path) -> None:
    with pytest.raises(NoAudioError, match=r"mute\.mp4"):
        checks.check_for_vendor(probe(video_without_audio))


def test_format_outside_the_vendor_list_is_refused(make_media: Callable[..., Path]) -> None:
    flac = make_media("tone.flac", "-f", "lavfi", "-i", "sine=duration=1")
    with pytest.raises(Exception, match=r"\.flac is not a format the vendor accepts"):
        checks.check_for_vendor(probe(flac))


def test_size_over_the_limit_is_refused(tone_wav: Path) -> None:
    with pytest.raises(TooLargeError, match="over the vendor limit"):
        checks.check_size(probe(tone_wav), VendorLimits(max_bytes=1000))


def test_checks_on_extracted_audio_name_the_users_file(silent_wav: Path) -> None:
    with pytest.raises(SilentAudioError, match=r"^/videos/holiday\.mp4 \(audio track silence\.wav\): audio is silent"):
        checks.check_for_vendor(probe(silent_wav), source="/videos/holiday.mp4")


@pytest.mark.parametrize("mode", ["copy", "transcode"])
def test_the_extracted_file_is_known_without_probing_it_again(mode: str, video_with_aac: Path, tmp_path: Path) -> None:
    from pipeline.media.extract import extracted_info

    source = probe(video_with_aac)
    plan = plan_extraction(source) if mode == "copy" else ExtractionPlan("transcode", "wav", "pcm_s16le", None, "test")
    audio = extract_audio(source, tmp_path, plan)
    known, probed = extracted_info(source, audio), probe(audio.path)
    assert known.path == probed.path and known.size_bytes == probed.size_bytes
    assert known.audio is not None and probed.audio is not None
    assert (known.audio.codec_name, known.audio.channels, known.audio.sample_rate) == (
        probed.audio.codec_name, probed.audio.channels, probed.audio.sample_rate)
    assert known.duration_s == pytest.approx(probed.duration_s, abs=0.1)
    assert checks.check_for_vendor(known) == checks.check_for_vendor(probed)  # the vendor checks see the same file
