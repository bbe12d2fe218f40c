"""Contract tests: the Volcengine sandbox answers as the caption and ATA documents say.

Plain httpx against a running SandboxServer; media is generated with ffmpeg.
"""

from __future__ import annotations

import dataclasses
import functools
import http.server
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from pipeline.media import tools
from pipeline.sandbox import (
    PLACEHOLDER_TEXT,
    ErrorRule,
    FaultConfig,
    SandboxConfig,
    SandboxServer,
    VolcengineConfig,
    available_vendors,
)
from pipeline.sandbox.faults import FaultInjector

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
APPID, TOKEN = "sandbox-appid", "sandbox-token"
AUTH = {"Authorization": f"Bearer; {TOKEN}"}
CAPTION = "/api/v1/vc/submit"
CAPTION_QUERY = "/api/v1/vc/query"
ATA = "/api/v1/vc/ata/submit"
ATA_QUERY = "/api/v1/vc/ata/query"
ZH_TEXT = (SAMPLES / "zh_demo.txt").read_text(encoding="utf-8")
FAST = SandboxConfig(processing_ms=150, processing_ms_per_audio_s=0, max_hold_s=5)


def ffmpeg(*args: str) -> None:
    subprocess.run([tools.ffmpeg(), "-nostdin", "-v", "error", "-y", *args], check=True)


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Small generated files: beeps (sound, unregistered), silence, not-media, truncated, video-only."""
    folder = tmp_path_factory.mktemp("media")
    files = {name: folder / name for name in
             ("beeps.wav", "silence.wav", "text.wav", "truncated.mp4", "video_only.mp4", "zh_demo.mp4", "zh_16k.wav")}
    ffmpeg("-f", "lavfi", "-i", "aevalsrc=0.5*sin(2*PI*440*t)*gt(mod(t\\,1.6)\\,0.8):s=16000:d=3.2",
           str(files["beeps.wav"]))
    ffmpeg("-f", "lavfi", "-i", "anullsrc=r=16000:cl=mono", "-t", "2", str(files["silence.wav"]))
    files["text.wav"].write_text("this is not audio at all\n" * 20)
    full = (SAMPLES / "zh_demo.mp4").read_bytes()
    files["truncated.mp4"].write_bytes(full[: len(full) // 3])
    ffmpeg("-f", "lavfi", "-i", "testsrc=size=64x64:rate=5:duration=1", "-c:v", "mpeg4", str(files["video_only.mp4"]))
    shutil.copy(SAMPLES / "zh_demo.mp4", files["zh_demo.mp4"])
    ffmpeg("-i", str(SAMPLES / "zh_demo.mp4"), "-vn", "-ac", "1", "-ar", "16000", str(files["zh_16k.wav"]))
    return files


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def file_host(media: dict[str, Path]) -> Iterator[str]:
    """A loopback static server for URL mode; yields its base URL."""
    handler = functools.partial(_QuietHandler, directory=str(next(iter(media.values())).parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    with SandboxServer(FAST) as server:
        yield server


def start(**changes: Any) -> SandboxServer:
    """A dedicated server for one config change (cheap: about 0.1 s)."""
    return SandboxServer(dataclasses.replace(FAST, **changes))


# --------------------------------------------------------------------------- helpers


def submit_caption(base: str, path: Path | None = None, *, url: str | None = None, content_type: str = "audio/wav",
                   headers: dict[str, str] | None = None, **params: str) -> dict[str, Any]:
    query = {"appid": APPID, "language": "zh-CN", **params}
    if url is not None:
        response = httpx.post(base + CAPTION, params=query, json={"url": url}, headers=headers or AUTH)
    else:
        assert path is not None
        response = httpx.post(base + CAPTION, params=query, content=path.read_bytes(),
                              headers={**(headers or AUTH), "Content-Type": content_type})
    assert response.status_code == 200
    return response.json()


def query(base: str, job_id: str, path: str = CAPTION_QUERY, blocking: str | None = "1", **params: str) -> dict[str, Any]:
    q = {"appid": APPID, "id": job_id, **params}
    if blocking is not None:
        q["blocking"] = blocking
    response = httpx.get(base + path, params=q, headers=AUTH, timeout=30)
    assert response.status_code == 200
    return response.json()


def caption_result(base: str, path: Path | None = None, **kwargs: Any) -> dict[str, Any]:
    submitted = submit_caption(base, path, **kwargs)
    assert submitted["code"] == 0, submitted
    return query(base, submitted["id"])


def submit_ata(base: str, path: Path, text: str, **params: str) -> dict[str, Any]:
    response = httpx.post(base + ATA, params={"appid": APPID, "caption_type": "speech", **params},
                          files={"data": (path.name, path.read_bytes(), "audio/wav")}, data={"audio-text": text},
                          headers=AUTH)
    assert response.status_code == 200
    return response.json()


# --------------------------------------------------------------------------- caption: happy paths


def test_binary_caption_goes_2000_then_0_with_placeholder_for_unregistered_audio(
        sandbox: SandboxServer, media: dict[str, Path]) -> None:
    submitted = submit_caption(sandbox.base_url, media["beeps.wav"])
    assert submitted["code"] == 0 and submitted["message"] == "Success"
    uuid.UUID(submitted["id"])
    pending = query(sandbox.base_url, submitted["id"], blocking="0")
    assert pending == {"id": submitted["id"], "code": 2000, "message": pending["message"]}
    done = query(sandbox.base_url, submitted["id"])
    assert done["code"] == 0 and done["id"] == submitted["id"]
    assert done["duration"] == pytest.approx(3.2, abs=0.05)
    assert [u["text"] for u in done["utterances"]] == [PLACEHOLDER_TEXT, PLACEHOLDER_TEXT]
    assert all(0 <= u["start_time"] < u["end_time"] <= 3200 for u in done["utterances"])
    assert query(sandbox.base_url, submitted["id"], blocking="0")["code"] == 0


def test_url_mode_returns_the_registered_text_one_word_per_character(
        sandbox: SandboxServer, file_host: str) -> None:
    done = caption_result(sandbox.base_url, url=f"{file_host}/zh_demo.mp4", use_punc="True", caption_type="speech")
    assert [u["text"] for u in done["utterances"]] == ZH_TEXT.split()
    words = done["utterances"][0]["words"]
    assert [w["text"] for w in words][:3] == ["欢", "迎", "使"]
    assert all(set(w) == {"text", "start_time", "end_time"} for w in words)
    assert sandbox.state.submissions.by_url[f"{file_host}/zh_demo.mp4"] >= 1


def test_punctuation_only_with_use_punc_and_speech(sandbox: SandboxServer, media: dict[str, Path]) -> None:
    done = caption_result(sandbox.base_url, media["zh_16k.wav"])  # defaults: use_punc False, caption_type auto
    assert [u["text"] for u in done["utterances"]] == ["欢迎使用字幕流水线", "这是一段中文示例用来测试字幕的生成和时间轴", "谢谢观看再见"]


def test_speaker_info_is_the_documented_attribute_of_utterances_and_words(sandbox: SandboxServer) -> None:
    """``with_speaker_info=True``: ``"attribute": {"speaker": "1"}`` on every utterance and word (the
    caption API's parameter notes), here from the dialogue sample's registered speakers."""
    done = caption_result(sandbox.base_url, SAMPLES / "zh_dialogue.mp4", content_type="video/mp4",
                          use_punc="True", caption_type="speech", with_speaker_info="True")
    labels = (SAMPLES / "zh_dialogue.speakers.txt").read_text(encoding="utf-8").split()
    assert [u["attribute"] for u in done["utterances"]] == [{"speaker": label} for label in labels]
    assert all(w["attribute"] == u["attribute"] for u in done["utterances"] for w in u["words"])
    assert all(set(u) == {"text", "start_time", "end_time", "words", "attribute"} for u in done["utterances"])
    plain = caption_result(sandbox.base_url, SAMPLES / "zh_dialogue.mp4", content_type="video/mp4",
                           use_punc="True", caption_type="speech")
    assert not any("attribute" in u for u in plain["utterances"])  # only when asked


def test_video_body_english_words_and_options(sandbox: SandboxServer) -> None:
    done = caption_result(sandbox.base_url, SAMPLES / "en_demo.mp4", content_type="video/mp4", language="en-US",
                          use_punc="True", caption_type="speech", words_per_line="20", use_ddc="True",
                          with_speaker_info="True", not_a_documented_param="ignored")
    speech_utts = [u for u in done["utterances"] if u.get("attribute", {}).get("event") != "silent"]
    silent = [u for u in done["utterances"] if u.get("attribute", {}).get("event") == "silent"]
    assert " ".join(u["text"] for u in speech_utts) == (SAMPLES / "en_demo.txt").read_text().replace("\n", " ").strip()
    assert all(len(u["text"]) <= 20 for u in speech_utts) and len(speech_utts) > 3
    # en_demo is registered without speakers (no en_demo.speakers.txt): none is invented.
    assert not any("attribute" in u or "attribute" in w for u in speech_utts for w in u["words"])
    assert silent and all(u["text"] == "" and u["words"] == [] for u in silent)
    assert speech_utts[0]["words"][0]["text"] == "Welcome"
    starts = [u["start_time"] for u in done["utterances"]]
    assert starts == sorted(starts)


# --------------------------------------------------------------------------- auth and parameters


@pytest.mark.parametrize("params,headers,code", [
    ({"appid": ""}, AUTH, 1001),
    ({}, {"Authorization": f"Bearer {TOKEN}"}, 1002),
    ({}, {"Authorization": "Bearer; wrong"}, 1002),
    ({}, {}, 1002),
    ({"appid": "someone-else"}, AUTH, 1002),
])
def test_auth(sandbox: SandboxServer, media: dict[str, Path], params: dict[str, str], headers: dict[str, str],
              code: int) -> None:
    answer = submit_caption(sandbox.base_url, media["beeps.wav"], headers=headers or {"X": "y"}, **params)
    assert answer["code"] == code and "id" not in answer
    assert TOKEN not in answer["message"]


@pytest.mark.parametrize("params", [
    {"language": ""}, {"language": "de-DE"}, {"caption_type": "music"}, {"use_punc": "maybe"},
    {"words_per_line": "0"}, {"boosting_table_id": "42"},
])
def test_invalid_caption_parameters_are_1001(sandbox: SandboxServer, media: dict[str, Path],
                                             params: dict[str, str]) -> None:
    assert submit_caption(sandbox.base_url, media["beeps.wav"], **params)["code"] == 1001


def test_boosting_table_with_asr_appid_is_accepted(sandbox: SandboxServer, media: dict[str, Path]) -> None:
    answer = submit_caption(sandbox.base_url, media["beeps.wav"], boosting_table_id="42", asr_appid=APPID)
    assert answer["code"] == 0


@pytest.mark.parametrize("body,content_type", [
    (b"hello", "text/plain"), (b"", "audio/wav"), (b'{"nourl": 1}', "application/json"),
    (b'{"url": "ftp://x/a.wav"}', "application/json"), (b"{not json", "application/json"),
])
def test_unusable_bodies_are_1001(sandbox: SandboxServer, body: bytes, content_type: str) -> None:
    response = httpx.post(sandbox.base_url + CAPTION, params={"appid": APPID, "language": "zh-CN"}, content=body,
                          headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 200 and response.json()["code"] == 1001


def test_query_needs_a_known_id_of_the_same_api(sandbox: SandboxServer, media: dict[str, Path]) -> None:
    assert query(sandbox.base_url, "")["code"] == 1001
    unknown = query(sandbox.base_url, str(uuid.uuid4()))
    assert unknown["code"] == 1001 and "task not found" in unknown["message"]
    caption_id = submit_caption(sandbox.base_url, media["beeps.wav"])["id"]
    assert query(sandbox.base_url, caption_id, path=ATA_QUERY, blocking="0")["code"] == 1001
    assert query(sandbox.base_url, caption_id, blocking="yes")["code"] == 1001


# --------------------------------------------------------------------------- audio codes


@pytest.mark.parametrize("name,code", [
    ("text.wav", 1012), ("truncated.mp4", 1012), ("video_only.mp4", 1012), ("silence.wav", 1013),
])
def test_bad_audio_fails_at_query(sandbox: SandboxServer, media: dict[str, Path], name: str, code: int) -> None:
    submitted = submit_caption(sandbox.base_url, media[name])
    assert submitted["code"] == 0
    failed = query(sandbox.base_url, submitted["id"])
    assert failed["code"] == code and "utterances" not in failed and failed["id"] == submitted["id"]


def test_too_long_is_1010_at_query(media: dict[str, Path]) -> None:
    with start(max_duration_s=2.0) as server:
        assert query(server.base_url, submit_caption(server.base_url, media["beeps.wav"])["id"])["code"] == 1010


def test_too_big_is_1011_at_submit_for_uploads_and_at_query_for_urls(media: dict[str, Path], file_host: str) -> None:
    with start(max_upload_bytes=10_000) as server:
        assert submit_caption(server.base_url, media["beeps.wav"])["code"] == 1011
        assert submit_ata(server.base_url, media["beeps.wav"], "hello")["code"] == "1011"
        by_url = submit_caption(server.base_url, url=f"{file_host}/beeps.wav")
        assert by_url["code"] == 0
        assert query(server.base_url, by_url["id"])["code"] == 1011
        assert server.state.submissions.total == 1


def test_unreachable_url_is_1001_at_query(sandbox: SandboxServer, file_host: str) -> None:
    submitted = submit_caption(sandbox.base_url, url=f"{file_host}/missing.wav")
    assert query(sandbox.base_url, submitted["id"])["code"] == 1001


# --------------------------------------------------------------------------- quotas and load


def test_qps_limit_is_1003(media: dict[str, Path]) -> None:
    with start(qps_limit=2) as server:
        codes = [query(server.base_url, str(uuid.uuid4()), blocking="0")["code"] for _ in range(3)]
        assert codes == [1001, 1001, 1003]
        time.sleep(1.05)
        assert query(server.base_url, str(uuid.uuid4()), blocking="0")["code"] == 1001


def test_call_allowance_is_1004(media: dict[str, Path]) -> None:
    with start(call_allowance=1) as server:
        assert submit_caption(server.base_url, media["beeps.wav"])["code"] == 0
        assert submit_caption(server.base_url, media["beeps.wav"])["code"] == 1004


def test_busy_is_1005_while_jobs_run(media: dict[str, Path]) -> None:
    with start(max_running_jobs=1, processing_ms=1500) as server:
        assert submit_caption(server.base_url, media["beeps.wav"])["code"] == 0
        assert submit_caption(server.base_url, media["beeps.wav"])["code"] == 1005


def test_duplicates_are_counted_and_optionally_refused(media: dict[str, Path]) -> None:
    with start(reject_duplicates=True) as server:
        assert submit_caption(server.base_url, media["beeps.wav"])["code"] == 0
        second = submit_caption(server.base_url, media["beeps.wav"])
        assert second["code"] == 1001 and "duplicate" in second["message"]
        assert submit_ata(server.base_url, media["beeps.wav"], "hello")["code"] == "0"  # another API: fine
        stats = httpx.get(server.base_url + "/sandbox/stats").json()
        assert stats["submissions"]["total"] == 2 and stats["duplicates"] == {}
        assert list(stats["submissions"]["by_sha256"].values()) == [2]


# --------------------------------------------------------------------------- blocking


def test_blocking_query_holds_until_done(media: dict[str, Path]) -> None:
    with start(processing_ms=800) as server:
        job_id = submit_caption(server.base_url, media["beeps.wav"])["id"]
        began = time.monotonic()
        assert query(server.base_url, job_id, blocking=None)["code"] == 0  # blocking=1 is the default
        assert 0.5 < time.monotonic() - began < 3


def test_blocking_query_gives_up_after_max_hold(media: dict[str, Path]) -> None:
    with start(processing_ms=3000, max_hold_s=0.3) as server:
        job_id = submit_caption(server.base_url, media["beeps.wav"])["id"]
        began = time.monotonic()
        assert query(server.base_url, job_id)["code"] == 2000
        assert 0.25 < time.monotonic() - began < 1.5


# --------------------------------------------------------------------------- faults


@pytest.mark.parametrize("code", [1020, 1021, 1022, 1099])
def test_task_errors_end_the_job_with_their_code(media: dict[str, Path], code: int) -> None:
    faults = FaultConfig(task_errors=(ErrorRule(code, endpoint="volcengine.caption.submit"),))
    with start(faults=faults) as server:
        job_id = submit_caption(server.base_url, media["beeps.wav"])["id"]
        assert query(server.base_url, job_id)["code"] == code
        assert query(server.base_url, job_id, blocking="0")["code"] == code


def test_injected_errors_answer_the_rule_code_per_request(media: dict[str, Path]) -> None:
    faults = FaultConfig(errors=(ErrorRule(1022, endpoint="volcengine.*.query", message="boom"),
                                 ErrorRule(1005, endpoint="volcengine.caption.submit", rate=0.5)), seed=7)
    with start(faults=faults) as server:
        codes = {submit_caption(server.base_url, media["beeps.wav"])["code"] for _ in range(12)}
        assert codes == {0, 1005}
        job_id = str(uuid.uuid4())
        assert query(server.base_url, job_id) == {"id": job_id, "code": 1022, "message": "boom"}


def test_http_5xx_slow_and_dropped_connections(media: dict[str, Path]) -> None:
    with start(faults=FaultConfig(http_5xx_rate=1.0, endpoints="*.query")) as server:
        response = httpx.get(server.base_url + CAPTION_QUERY, params={"appid": APPID, "id": "x"}, headers=AUTH)
        assert response.status_code == 503
    with start(faults=FaultConfig(slow_rate=1.0, slow_ms=400)) as server:
        began = time.monotonic()
        query(server.base_url, "x", blocking="0")
        assert time.monotonic() - began >= 0.4
    with start(faults=FaultConfig(drop_rate=1.0, endpoints="*.submit")) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            submit_caption(server.base_url, media["beeps.wav"])
        assert server.state.submissions.total == 0
    with start(faults=FaultConfig(drop_rate=1.0, drop_after_handling=True, endpoints="*.submit")) as server:
        with pytest.raises(httpx.RemoteProtocolError):
            submit_caption(server.base_url, media["beeps.wav"])
        assert server.state.submissions.total == 1  # the job exists; the client never heard of it
    with start(faults=FaultConfig(drop_after_rate=1.0, endpoints="*.submit")) as server:  # a share of such drops
        with pytest.raises(httpx.RemoteProtocolError):
            submit_caption(server.base_url, media["beeps.wav"])
        assert server.state.submissions.total == 1 and server.state.faults.injected == {"drop_after": 1}


def test_both_kinds_of_drop_mix_in_one_run() -> None:
    injector = FaultInjector(FaultConfig(seed=5, drop_rate=0.25, drop_after_rate=1 / 3))
    faults = [injector.transport_fault("volcengine.caption.submit") for _ in range(2000)]
    before, after = sum(f.drop for f in faults), sum(f.drop_after for f in faults)
    assert not any(f.drop and f.drop_after for f in faults)
    assert 400 < before < 600 and 400 < after < 600  # a quarter each: a third of the three quarters left


def test_fault_decisions_repeat_with_the_same_seed() -> None:
    config = FaultConfig(seed=3, drop_rate=0.3, errors=(ErrorRule(1003, rate=0.4),))
    runs = []
    for _ in range(2):
        injector = FaultInjector(config)
        runs.append([(injector.transport_fault("a.b.c"), injector.pick_error("a.b.c")) for _ in range(30)])
    assert runs[0] == runs[1]


# --------------------------------------------------------------------------- ATA


def test_ata_multipart_times_the_given_text(sandbox: SandboxServer, media: dict[str, Path]) -> None:
    submitted = submit_ata(sandbox.base_url, media["zh_16k.wav"], ZH_TEXT)
    assert submitted["code"] == "0" and submitted["message"] == "Success"
    done = query(sandbox.base_url, submitted["id"], path=ATA_QUERY)
    assert done["code"] == 0
    assert [u["text"] for u in done["utterances"]] == ["欢迎使用字幕流水线", "这是一段中文示例，用来测试字幕的生成和时间轴",
                                                       "谢谢观看，再见！"]
    ends = [(u["start_time"], u["end_time"]) for u in done["utterances"]]
    assert all(a[1] <= b[0] for a, b in zip(ends, ends[1:], strict=False))


@pytest.mark.parametrize("mode,expected", [
    ("2", ["欢迎使用字幕流水线", "这是一段中文示例 用来测试字幕的生成和时间轴", "谢谢观看 再见！"]),
    ("3", ZH_TEXT.split()),
])
def test_ata_punctuation_modes(sandbox: SandboxServer, media: dict[str, Path], mode: str, expected: list[str]) -> None:
    submitted = submit_ata(sandbox.base_url, media["zh_16k.wav"], ZH_TEXT, sta_punc_mode=mode)
    assert [u["text"] for u in query(sandbox.base_url, submitted["id"], path=ATA_QUERY)["utterances"]] == expected


def test_ata_json_url_and_raw_binary(sandbox: SandboxServer, media: dict[str, Path], file_host: str) -> None:
    by_url = httpx.post(sandbox.base_url + ATA, params={"appid": APPID, "caption_type": "singing"},
                        json={"url": f"{file_host}/beeps.wav", "audio_text": "la la\nla"}, headers=AUTH).json()
    raw = httpx.post(sandbox.base_url + ATA, params={"appid": APPID, "caption_type": "speech", "audio_text": "hi there"},
                     content=media["beeps.wav"].read_bytes(), headers={**AUTH, "Content-Type": "audio/wav"}).json()
    for submitted, texts in ((by_url, ["la la", "la"]), (raw, ["hi there"])):
        assert submitted["code"] == "0"
        assert [u["text"] for u in query(sandbox.base_url, submitted["id"], path=ATA_QUERY)["utterances"]] == texts


@pytest.mark.parametrize("params,text", [({"caption_type": ""}, "hello"), ({}, ""), ({"sta_punc_mode": "4"}, "hi")])
def test_ata_refusals_are_string_1001(sandbox: SandboxServer, media: dict[str, Path], params: dict[str, str],
                                      text: str) -> None:
    assert submit_ata(sandbox.base_url, media["beeps.wav"], text, **params)["code"] == "1001"


# --------------------------------------------------------------------------- configuration and mounting


def test_code_as_string_everywhere(media: dict[str, Path]) -> None:
    with start(code_as_string=True) as server:
        submitted = submit_caption(server.base_url, media["beeps.wav"])
        assert submitted["code"] == "0"
        assert query(server.base_url, submitted["id"], blocking="0")["code"] == "2000"
        assert query(server.base_url, submitted["id"])["code"] == "0"


def test_own_credentials(media: dict[str, Path]) -> None:
    config = dataclasses.replace(FAST, vendors={"volcengine": VolcengineConfig("mine", "s3cret")})
    assert "s3cret" not in repr(config)
    with SandboxServer(config) as server:
        assert submit_caption(server.base_url, media["beeps.wav"])["code"] == 1002
        answer = httpx.post(server.base_url + CAPTION, params={"appid": "mine", "language": "zh-CN"},
                            content=b"x", headers={"Authorization": "Bearer; s3cret", "Content-Type": "audio/wav"})
        assert answer.json()["code"] == 0


def test_vendors_are_discovered_and_stats_served(sandbox: SandboxServer) -> None:
    assert "volcengine" in available_vendors()
    stats = httpx.get(sandbox.base_url + "/sandbox/stats").json()
    assert {"requests", "submissions", "duplicates", "jobs", "faults_injected"} <= set(stats)
    assert stats["transcripts_registered"] >= 2
    assert TOKEN not in str(stats)


def test_an_embedded_server_leaves_the_host_logging_alone() -> None:
    """Starting a sandbox inside a flow run must not flush or close the process's log handlers.

    uvicorn's default logging set-up does both under the logging lock; in a Prefect flow run that
    deadlocked against Prefect's own threads (a served batch hung before its first item).
    """
    import logging

    class Watched(logging.Handler):
        def __init__(self) -> None:
            super().__init__()
            self.flushes = 0
            self.closed = False

        def emit(self, record: logging.LogRecord) -> None:
            pass

        def flush(self) -> None:
            self.flushes += 1

        def close(self) -> None:
            self.closed = True
            super().close()

    handler = Watched()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        with SandboxServer(FAST) as server:
            assert httpx.get(server.base_url + "/sandbox/stats").status_code == 200
        assert (handler.flushes, handler.closed) == (0, False)
        assert handler in root.handlers
    finally:
        root.removeHandler(handler)


def test_a_restarted_sandbox_still_answers_for_the_jobs_it_finished(media: dict[str, Path], tmp_path: Path) -> None:
    # As a vendor does after the client's process is gone: a rerun resumes the job by its id.
    with start(jobs_dir=tmp_path / "jobs") as first:
        job_id = submit_caption(first.base_url, media["zh_16k.wav"])["id"]
        done = query(first.base_url, job_id)
    assert done["code"] == 0 and done["utterances"]
    with start(jobs_dir=tmp_path / "jobs") as second:
        again = query(second.base_url, job_id, blocking="0")
        assert again == done
        assert second.state.submissions.total == 0
        unknown = query(second.base_url, "00000000-0000-4000-8000-000000000000", blocking="0")
        assert unknown["code"] == 1001 and "not found" in unknown["message"]
    with start() as forgetful:  # without a jobs folder, nothing outlives the process
        assert query(forgetful.base_url, job_id, blocking="0")["code"] == 1001
