"""Volcengine client against httpx.MockTransport (the sandbox contract tests live elsewhere)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from pipeline import errors
from pipeline.vendors.http import RetryPolicy, Timeouts
from pipeline.vendors.polling import Pending, PollPolicy
from pipeline.vendors.volcengine import (
    CODES,
    AtaOptions,
    CaptionOptions,
    VolcengineClient,
    VolcengineCredentials,
    error_for,
)

CREDS = VolcengineCredentials("app-1", "tok-SECRET-123")
DONE = {"id": "t1", "code": 0, "message": "Success", "duration": 1.5,
        "utterances": [{"text": "你好", "start_time": 0, "end_time": 800, "words": []}]}


def client_for(handler: Callable[[httpx.Request], httpx.Response], **kw: object) -> VolcengineClient:
    kw.setdefault("retry", RetryPolicy(attempts=3, base_delay=0.0, max_delay=0.0))
    return VolcengineClient(CREDS, "https://vc.test/api/v1/vc", transport=httpx.MockTransport(handler), **kw)  # type: ignore[arg-type]


def test_submit_url_sends_documented_request() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": 0, "message": "Success", "id": "abc"})

    task = client_for(handler).submit_caption_url("https://m.test/a.mp3", CaptionOptions(language="en-US", use_punc=False))
    assert task == "abc"
    request = seen[0]
    assert request.method == "POST" and request.url.path == "/api/v1/vc/submit"
    assert request.headers["Authorization"] == "Bearer; tok-SECRET-123"
    assert dict(request.url.params) == {"appid": "app-1", "language": "en-US", "caption_type": "speech",
                                        "use_punc": "False", "use_itn": "True"}
    assert json.loads(request.content) == {"url": "https://m.test/a.mp3"}
    assert "SECRET" not in str(request.url)


def test_every_documented_switch_reaches_the_query_string() -> None:
    options = CaptionOptions(language="ja-JP", caption_type="singing", words_per_line=15, max_lines=2, use_ddc=True,
                             with_speaker_info=True, use_capitalize=False, boosting_table_id="b1", asr_appid="a2")
    assert options.params() == {"language": "ja-JP", "caption_type": "singing", "use_punc": "True", "use_itn": "True",
                                "words_per_line": "15", "max_lines": "2", "boosting_table_id": "b1", "asr_appid": "a2",
                                "use_ddc": "True", "with_speaker_info": "True", "use_capitalize": "False"}


@pytest.mark.parametrize("kwargs, field", [({"language": "de-DE"}, "language"), ({"caption_type": "rap"}, "caption_type"),
                                           ({"words_per_line": 0}, "words_per_line"), ({"boosting_table_id": "x"}, "asr_appid")])
def test_invalid_options_fail_before_any_request(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(errors.InputError, match=field):
        CaptionOptions(**kwargs)  # type: ignore[arg-type]


def test_submit_file_streams_the_body_with_the_right_content_type(tmp_path: Path) -> None:
    audio = tmp_path / "talk.mp3"
    audio.write_bytes(b"ID3" + bytes(range(256)) * 4000)
    seen: list[tuple[dict[str, str], bytes]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((dict(request.headers), request.read()))
        return httpx.Response(200, json={"code": "0", "message": "Success", "id": "f1"})

    assert client_for(handler).submit_caption_file(audio) == "f1"
    headers, body = seen[0]
    assert headers["content-type"] == "audio/mpeg"  # never audio/wav for an MP3 (pyvideotrans's bug)
    assert headers["content-length"] == str(audio.stat().st_size)
    assert body == audio.read_bytes()


def test_upload_body_is_read_in_chunks_not_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.vendors.volcengine as volc

    monkeypatch.setattr(volc, "UPLOAD_CHUNK", 1000)
    audio = tmp_path / "a.wav"
    audio.write_bytes(b"x" * 4500)
    request = client_for(lambda r: httpx.Response(200))._upload_request(audio, {})()
    assert [len(c) for c in request["content"]] == [1000, 1000, 1000, 1000, 500]


def test_ata_file_is_multipart_with_data_and_audio_text(tmp_path: Path) -> None:
    audio = tmp_path / "talk.wav"
    audio.write_bytes(b"RIFF" + b"\0" * 100)
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        request.read()
        seen.append(request)
        return httpx.Response(200, json={"code": "0", "message": "Success", "id": "ata1"})

    task = client_for(handler).submit_ata_file(audio, "你好 世界", AtaOptions(caption_type="singing", sta_punc_mode=3))
    assert task == "ata1"
    request = seen[0]
    assert request.url.path == "/api/v1/vc/ata/submit"
    assert request.headers["content-type"].startswith("multipart/form-data")
    body = request.content
    assert b'name="data"; filename="talk.wav"' in body and b'name="audio-text"' in body
    assert "你好 世界".encode() in body
    assert dict(request.url.params) == {"appid": "app-1", "caption_type": "singing", "sta_punc_mode": "3",
                                        "caption_category": "2", "cluster": "ata_cluster"}


def test_ata_url_sends_json_with_audio_text() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"code": 0, "message": "Success", "id": "ata2"})

    client_for(handler).submit_ata_url("https://m.test/a.wav", "hello world", AtaOptions(send_fixed_params=False))
    assert json.loads(seen[0].content) == {"url": "https://m.test/a.wav", "audio_text": "hello world"}
    assert "cluster" not in seen[0].url.params


def test_ata_refuses_empty_text_before_any_request() -> None:
    with pytest.raises(errors.InputError, match="alignment text is empty"):
        client_for(lambda r: httpx.Response(500)).submit_ata_url("https://m.test/a.wav", "  ")


@pytest.mark.parametrize("processing", [2000, "2000", 1000])
def test_processing_codes_are_pending(processing: object) -> None:
    client = client_for(lambda r: httpx.Response(200, json={"id": "t1", "code": processing, "message": "processing"}))
    assert isinstance(client.query_caption("t1"), Pending)


@pytest.mark.parametrize("code", [0, "0"])
def test_success_code_as_int_or_string(code: object) -> None:
    client = client_for(lambda r: httpx.Response(200, json={**DONE, "code": code}))
    assert client.query_caption("t1")["utterances"][0]["text"] == "你好"  # type: ignore[index]


@pytest.mark.parametrize("code", sorted(CODES))
def test_every_documented_code_maps_to_its_error(code: str) -> None:
    cls, hint = CODES[code]
    client = client_for(lambda r: httpx.Response(200, json={"id": "t1", "code": int(code), "message": f"m{code}"}),
                        retry=RetryPolicy(attempts=1))
    with pytest.raises(cls) as info:
        client.query_caption("t1")
    assert info.value.code == code and info.value.vendor_message == f"m{code}"
    assert hint in str(info.value) and "SECRET" not in str(info.value)


def test_unknown_code_is_a_plain_vendor_error() -> None:
    error = error_for({"code": 1050, "message": "odd"})
    assert type(error) is errors.VendorError and error.code == "1050"


def test_1022_not_granted_is_an_authentication_problem() -> None:
    error = error_for({"code": "1022", "message": "[resource_id=vc.async.default] requested resource not granted"})
    assert isinstance(error, errors.AuthenticationError)


def test_rate_limited_submit_is_retried_and_succeeds() -> None:
    answers = [{"code": 1003, "message": "qps"}, {"code": 1005, "message": "busy"}, {"code": 0, "message": "Success", "id": "ok"}]
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return httpx.Response(200, json=answers.pop(0))

    assert client_for(handler).submit_caption_url("https://m.test/a.mp3") == "ok"
    assert len(calls) == 3


def test_submit_read_timeout_is_not_resubmitted() -> None:
    calls: list[int] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        raise httpx.ReadTimeout("late", request=request)

    with pytest.raises(errors.TransportError):
        client_for(handler).submit_caption_url("https://m.test/a.mp3")
    assert len(calls) == 1


def test_query_5xx_is_retried() -> None:
    answers = [httpx.Response(502), httpx.Response(200, text="<html>oops</html>"), httpx.Response(200, json=DONE)]
    client = client_for(lambda r: answers.pop(0))
    assert client.query_caption("t1")["code"] == 0  # type: ignore[index]


def test_wait_uses_blocking_and_falls_back_when_the_hold_times_out() -> None:
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        blocking = request.url.params["blocking"]
        seen.append(blocking)
        if blocking == "1":
            raise httpx.ReadTimeout("held too long", request=request)
        if len(seen) < 3:
            return httpx.Response(200, json={"id": "t1", "code": 2000, "message": "processing"})
        return httpx.Response(200, json=DONE)

    client = client_for(handler, poll=PollPolicy(interval=0.0, max_interval=0.0), timeouts=Timeouts(blocking_read=0.1))
    assert client.wait_caption("t1")["duration"] == 1.5
    assert seen == ["1", "0", "0"]


def test_wait_ata_returns_failure_as_typed_error() -> None:
    client = client_for(lambda r: httpx.Response(200, json={"id": "t1", "code": 1021, "message": "timeout"}),
                        poll=PollPolicy(interval=0.0))
    with pytest.raises(errors.TaskFailedError, match="1021"):
        client.wait_ata("t1")


def test_credentials_never_show_the_token() -> None:
    assert "tok-SECRET" not in repr(CREDS)
    assert "tok-SECRET" not in repr(client_for(lambda r: httpx.Response(200)).credentials)


def test_credentials_from_env_name_what_is_missing() -> None:
    with pytest.raises(errors.InputError, match="VOLCENGINE_TOKEN not set"):
        VolcengineCredentials.from_env({"VOLCENGINE_APPID": "a"})
    assert VolcengineCredentials.from_env({"VOLCENGINE_APPID": "a", "VOLCENGINE_TOKEN": "t"}).token == "t"


def test_a_query_for_an_unknown_task_is_task_not_found_not_a_bad_request() -> None:
    from pipeline.vendors.volcengine import error_for

    assert isinstance(error_for({"code": 1001, "message": "task not found: abc"}), errors.TaskNotFoundError)
    assert type(error_for({"code": 1001, "message": "appid is required"})) is errors.InvalidRequestError
