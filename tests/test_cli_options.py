"""Options and the output folder are refused in one line before anything is probed or paid for."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

from flows.cli import EXIT_USER_ERROR, build_parser, dash_file_hint, main
from pipeline.errors import InputError
from pipeline.fileio import check_output_dir


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Exit status and stderr, whether the run returned or argparse exited."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, capsys.readouterr().err


@pytest.fixture
def no_probe(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record (and forbid) probing: a refused option must stop the run before it."""
    probed: list[str] = []
    monkeypatch.setattr("flows.commands.caption.preflight", probed.append)
    return probed


@pytest.mark.parametrize("value", ["0", "-3", "many"])
def test_line_width_must_be_a_positive_number(value: str, tone_wav: Path, no_probe: list[str],
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "caption", str(tone_wav), f"--max-chars-per-line={value}")
    assert code == EXIT_USER_ERROR and "--max-chars-per-line" in err and "Traceback" not in err
    assert no_probe == []


def test_batch_concurrency_must_be_positive(tone_wav: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = run(capsys, "batch", str(tone_wav), "--concurrency", "0")
    assert code == EXIT_USER_ERROR and "--concurrency: 0 must be at least 1" in err


@pytest.mark.parametrize("command", ["caption", "batch"])
def test_output_that_is_a_file_is_refused_before_probing(command: str, tone_wav: Path, tmp_path: Path,
                                                         no_probe: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    taken = tmp_path / "taken"
    taken.write_text("not a folder")
    code, err = run(capsys, command, str(tone_wav), "-o", str(taken))
    assert code == EXIT_USER_ERROR
    assert err.strip() == f"error: -o/--output-dir {taken}: is a file, not a folder; give a folder (it is created if missing)"
    assert no_probe == [] and taken.read_text() == "not a folder"


def test_unwritable_output_is_refused_before_probing(tone_wav: Path, tmp_path: Path, no_probe: list[str],
                                                     monkeypatch: pytest.MonkeyPatch,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    def refuse(*_args: object, **_kwargs: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", refuse)  # as a read-only mount answers, even to root
    code, err = run(capsys, "caption", str(tone_wav), "-o", str(tmp_path / "out"))
    assert code == EXIT_USER_ERROR
    assert "cannot write there (Permission denied); choose a writable folder" in err
    assert len(err.strip().splitlines()) == 1 and no_probe == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_read_only_folder_is_refused(tmp_path: Path) -> None:
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    with pytest.raises(InputError, match="cannot write there"):
        check_output_dir(locked / "sub")


def test_a_missing_output_folder_passes_and_is_not_made_yet(tmp_path: Path) -> None:
    assert check_output_dir(tmp_path / "a" / "b") == tmp_path / "a" / "b"
    assert list(tmp_path.iterdir()) == []  # neither the folder nor the probe file is left


def test_a_file_on_the_output_path_is_named(tmp_path: Path) -> None:
    (tmp_path / "a").write_text("")
    with pytest.raises(InputError, match=r"is a file, not a folder \(.*/a is a file\)"):
        check_output_dir(tmp_path / "a" / "b")


def test_a_file_name_starting_with_a_dash_gets_a_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                      capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-x.mp4").write_bytes(b"")
    code, err = run(capsys, "caption", "-x.mp4")
    assert code == EXIT_USER_ERROR
    assert err.strip().endswith("if -x.mp4 is a file, write it as ./-x.mp4 (or put -- before it)")


def test_a_dash_file_after_the_separator_is_taken_as_the_input() -> None:
    assert build_parser().parse_args(["caption", "--", "-x.mp4"]).media == "-x.mp4"
    assert dash_file_hint(["caption", "--", "-x.mp4"]) == ""
    assert dash_file_hint(["caption", "-q"]) == ""  # an option is not a file


@pytest.mark.parametrize("command", ["caption", "align", "separate", "batch"])
def test_help_gives_defaults_of_shared_options(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main([command, "--help"])
    text = " ".join(capsys.readouterr().out.split())
    language_default = "the file's audio language tag if it names one, else zh-CN" if command == "caption" else "zh-CN"
    assert f"(default: {language_default};" in text and "(default: output)" in text
    if command != "batch":
        assert "--max-chars-per-line N line width in characters (default: the language's: zh 16, en 42)" in text


def test_flow_checks_line_options_before_probing(tmp_path: Path) -> None:
    from flows.caption import media_to_subtitles
    from pipeline.errors import InvalidRulesError
    from pipeline.vendors.volcengine import CaptionOptions

    with pytest.raises(InvalidRulesError, match="max_chars_per_line must be positive"):
        media_to_subtitles(str(tmp_path / "missing.mp4"), CaptionOptions(), None, str(tmp_path / "out"), "zh-CN",
                           ["srt"], -3, 2, "sandbox", None, None, None)


def test_sandbox_help_offers_the_in_doubt_fault_and_listening_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["sandbox", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--drop-after-handling" in text and "(default: 127.0.0.1," in text and "(default: 8765)" in text


@pytest.mark.parametrize(("argv", "names"), [
    (["caption", "{wav}", "--live"], "VOLCENGINE_APPID and VOLCENGINE_TOKEN"),
    (["align", "{wav}", "{script}", "--live"], "VOLCENGINE_APPID and VOLCENGINE_TOKEN"),
    (["link", "https://v.douyin.com/iRNBho6v/", "--live"], "TRANSCRIPTGENERATE_API_KEY"),
    (["batch", "{wav}", "--live"], "VOLCENGINE_APPID and VOLCENGINE_TOKEN"),
    (["separate", "{wav}", "--live"], "YINZI_API_KEY"),
])
def test_live_runs_without_credentials_are_refused_before_anything_starts(
        argv: list[str], names: str, tone_wav: Path, tmp_path: Path, no_probe: list[str],
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("VOLCENGINE_APPID", "VOLCENGINE_TOKEN", "TRANSCRIPTGENERATE_API_KEY", "TRANSCRIPTGENERATE_API_SECRET",
                 "YINZI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
    script = tmp_path / "script.txt"
    script.write_text("你好\n", encoding="utf-8")
    args = [a.format(wav=tone_wav, script=script) for a in argv] + ["-o", str(tmp_path / "out")]
    code, err = run(capsys, *args)
    assert code == EXIT_USER_ERROR and names in err and "Traceback" not in err
    assert no_probe == []  # refused before the media was even probed
