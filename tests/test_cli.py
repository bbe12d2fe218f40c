"""CLI behaviour that needs no Prefect server: argument checks and fail-fast input errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.cli import EXIT_USER_ERROR, main


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize("make_input, expected", [
    (lambda d: d / "missing.mp4", "missing.mp4: no such file"),
    (lambda d: d, "is a directory"),
])
def test_bad_paths_fail_in_one_line(make_input, expected: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys, "caption", str(make_input(tmp_path)), "-o", str(tmp_path / "out"))
    assert code == EXIT_USER_ERROR
    assert err.startswith("error: ") and expected in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert not (tmp_path / "out").exists()


def test_not_media_fails_in_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    fake = tmp_path / "-dash 中文.mp4"
    fake.write_text("hello")
    code, _, err = run(capsys, "caption", str(fake))
    assert code == EXIT_USER_ERROR and "-dash 中文.mp4: not a readable video or audio file" in err
    assert len(err.strip().splitlines()) == 1


def test_video_without_audio_fails_in_one_line(video_without_audio: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "caption", str(video_without_audio))
    assert code == EXIT_USER_ERROR and "mute.mp4: has no audio stream" in err


def test_unknown_format_is_named(tone_wav: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "caption", str(tone_wav), "--formats", "srt,docx")
    assert code == EXIT_USER_ERROR and "--formats: unknown docx" in err


def test_unknown_language_is_refused_by_argparse(tone_wav: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["caption", str(tone_wav), "--language", "de-DE"])
    assert info.value.code == 2
    assert "invalid choice: 'de-DE'" in capsys.readouterr().err


def test_bad_input_is_refused_without_loading_prefect(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; from flows.cli import main; rc = main(['caption', sys.argv[1]]); "
            "print('prefect' in sys.modules); sys.exit(rc)")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "nope.mp4")], capture_output=True, text=True)
    assert done.returncode == 2 and done.stdout.strip() == "False"


@pytest.mark.parametrize("text, expected", [
    ("hello there", "Failed to extract a valid platform URL"),
    ("https://www.youtube.com/watch?v=abc", "This platform is not supported"),
])
def test_bad_share_text_is_refused_before_any_request(text: str, expected: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "link", text)
    assert code == EXIT_USER_ERROR and expected in err and len(err.strip().splitlines()) == 1


def test_align_needs_a_readable_script(tone_wav: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "align", str(tone_wav), str(tmp_path / "missing.txt"))
    assert code == EXIT_USER_ERROR and "missing.txt: no such script file" in err


def test_empty_batch_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "batch", "--folder", str(tmp_path))
    assert code == EXIT_USER_ERROR and "batch is empty" in err


def test_standalone_sandbox_serves_all_three_vendors(tmp_path: Path) -> None:
    import signal
    import socket
    import subprocess
    import sys

    import httpx

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "flows.cli", "sandbox", "--port", str(port), "--tg-max-concurrency", "5",
                             "--error", "1005:1:volcengine.caption.submit"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        assert proc.stdout
        banner = proc.stdout.readline()
        assert f"127.0.0.1:{port}" in banner
        assert proc.stdout.readline().startswith("accepts (sandbox test credentials, not secrets):")
        printed = dict(pair.split("=", 1) for _ in range(3) for pair in proc.stdout.readline().split()[1:])
        # The requests below use what was printed: the printout is what the sandbox accepts.
        headers = {"X-API-Key": printed["TRANSCRIPTGENERATE_API_KEY"], "X-API-Secret": printed["TRANSCRIPTGENERATE_API_SECRET"]}
        for _ in range(100):  # the banner is printed just before uvicorn binds
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/open-gateway/transcript-api/v1/quota/concurrency", headers=headers)
                break
            except httpx.ConnectError:
                proc.poll()
                assert proc.returncode is None
                import time

                time.sleep(0.1)
        assert answer.json()["data"]["maxConcurrency"] == 5
        assert httpx.get(f"http://127.0.0.1:{port}/api/open/v1/order/query?orderNo=x").json()["msg"] == "API Key is required"
        yinzi = httpx.get(f"http://127.0.0.1:{port}/api/open/v1/order/query?orderNo=x",
                          headers={"Authorization": f"Bearer {printed['YINZI_API_KEY']}"}).json()
        assert yinzi["msg"] != "API Key is required" and "key" not in yinzi["msg"].lower()
        assert httpx.get(f"http://127.0.0.1:{port}/api/v1/vc/query").json()["code"] in (1001, 1002)
        busy = httpx.post(f"http://127.0.0.1:{port}/api/v1/vc/submit?appid={printed['VOLCENGINE_APPID']}&language=zh-CN",
                          headers={"Authorization": f"Bearer; {printed['VOLCENGINE_TOKEN']}"},
                          json={"url": "http://127.0.0.1:1/a.wav"})
        assert busy.json()["code"] == 1005  # the injected error for that endpoint
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


@pytest.mark.parametrize("spec", ["1005", "1005:x", "1005:2"])
def test_bad_error_rule_is_refused(spec: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sandbox", "--error", spec])
    err = capsys.readouterr().err
    assert "CODE:RATE" in err or "RATE must" in err
