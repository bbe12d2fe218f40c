"""Cost in each vendor's own unit: the estimate before a batch, the budget that refuses it, the record after."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from flows.cli import EXIT_OK, EXIT_QUOTA, EXIT_USER_ERROR, main
from flows.estimate import STATE_NAME, check_budget, estimate_batch, paid_earlier
from pipeline.costs import add_costs, describe_costs, estimate_for, over_budget, parse_budget
from pipeline.errors import BudgetExceededError, InputError

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
LINK = "https://v.douyin.com/iRNBho6u/"


def test_a_budget_is_vendor_amount_pairs_in_each_vendors_unit() -> None:
    assert parse_budget("volcengine=3600, transcriptgenerate=600,yinzi=50") == {
        "volcengine": 3600.0, "transcriptgenerate": 600.0, "yinzi": 50.0}


@pytest.mark.parametrize(("text", "says"), [("volcano=5", "names no vendor"), ("volcengine=lots", "needs a number"),
                                            ("volcengine=-1", "at least 0"), ("", "give vendor=amount pairs")])
def test_a_bad_budget_is_refused_in_one_line_naming_the_option(text: str, says: str) -> None:
    with pytest.raises(InputError, match=says) as caught:
        parse_budget(text)
    assert str(caught.value).startswith("--budget:") and "\n" not in str(caught.value)


def test_costs_add_up_per_vendor_and_read_in_their_units() -> None:
    total = add_costs([{"volcengine": 24.5}, {"volcengine": 14.6, "transcriptgenerate": 60.0}, {}])
    assert total == pytest.approx({"volcengine": 39.1, "transcriptgenerate": 60.0})
    assert describe_costs(total) == "60 quota s (transcriptgenerate), 39.1 audio s (volcengine)"
    assert describe_costs({}) == "nothing"


def test_only_vendors_over_their_budget_are_named() -> None:
    estimate = {"volcengine": 300.0, "transcriptgenerate": 120.0}
    assert over_budget(estimate, {"volcengine": 600, "transcriptgenerate": 100}) == [
        "transcriptgenerate needs about 120 quota s but the budget is 100"]
    assert over_budget(estimate, {"yinzi": 0}) == []  # no yinzi work: a zero budget holds


def test_a_file_is_estimated_by_its_duration_and_a_link_by_the_expected_length() -> None:
    assert estimate_for("file", 24.5, "transcriptgenerate", 120)[0] == {"volcengine": 24.5}
    assert estimate_for("share", None, "transcriptgenerate", 90)[0] == {"transcriptgenerate": 90, "volcengine": 90}
    assert estimate_for("share", None, "yinzi", 90)[0] == {"yinzi": 10.0, "volcengine": 90}
    assert estimate_for("url", None, "transcriptgenerate", 90)[0] == {"volcengine": 90}


def test_the_batch_estimate_probes_files_and_leaves_out_work_paid_earlier(tmp_path: Path) -> None:
    rows = [{"source": str(SAMPLES / "zh_demo.mp4")}, {"source": str(SAMPLES / "en_demo.mp4")}, {"source": LINK}]
    (tmp_path / STATE_NAME).write_text(json.dumps({
        str(SAMPLES / "en_demo.mp4"): {"status": "done"}, LINK: {"status": "failed"}}), encoding="utf-8")
    estimate = estimate_batch(rows, "transcriptgenerate", 60, paid_earlier(tmp_path))
    assert [item.source for item in estimate.items] == [str(SAMPLES / "zh_demo.mp4"), LINK]
    zh = estimate.items[0]
    assert zh.kind == "file" and 20 < zh.costs["volcengine"] < 30 and zh.basis.startswith("probed")
    assert estimate.costs["transcriptgenerate"] == 60
    assert estimate.costs["volcengine"] == pytest.approx(zh.costs["volcengine"] + 60)
    assert estimate.lines()[-1].startswith("estimate for 2 item(s) to submit: at most")


def test_a_batch_over_budget_is_refused_naming_the_vendor() -> None:
    estimate = estimate_batch([{"source": str(SAMPLES / "zh_demo.mp4")}], "transcriptgenerate", 60)
    check_budget(estimate, {"volcengine": 3600})
    with pytest.raises(BudgetExceededError, match="volcengine needs about .* audio s but the budget is 10; nothing"):
        check_budget(estimate, {"volcengine": 10})


def test_estimate_prints_what_would_be_submitted_and_never_starts_prefect(tmp_path: Path,
                                                                          capsys: pytest.CaptureFixture[str]) -> None:
    had_prefect = "prefect" in sys.modules
    code = main(["batch", str(SAMPLES / "zh_demo.mp4"), LINK, "--estimate", "-o", str(tmp_path / "out")])
    out = capsys.readouterr().out
    assert code == EXIT_OK
    assert "zh_demo.mp4: " in out and LINK in out and "at most 120 quota s (transcriptgenerate)" in out
    assert not (tmp_path / "out" / STATE_NAME).exists()
    if not had_prefect:
        assert "prefect" not in sys.modules


def test_estimate_over_budget_exits_with_the_quota_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["batch", str(SAMPLES / "zh_demo.mp4"), "--estimate", "--budget", "volcengine=5", "-o", str(tmp_path)])
    err = capsys.readouterr().err
    assert code == EXIT_QUOTA and "budget is 5; nothing was submitted" in err and "Traceback" not in err
    assert main(["batch", str(SAMPLES / "zh_demo.mp4"), "--budget", "volcano=5", "-o", str(tmp_path)]) == EXIT_USER_ERROR
