"""What paid work costs, in each vendor's own unit: before a batch (an estimate) and after (a record).

Units: Volcengine bills the **audio seconds** it recognises; TranscriptGenerate takes the video's
duration from the account's **quota seconds** (``quota/usage``); Yinzi charges **credits**, which a
short-video analysis takes at once (its answer gives the balance left, not the price).

A cost is a mapping ``{vendor: amount}``. A job reused from the ledger costs nothing in the run
that reuses it: it was paid when it was submitted.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from pipeline.env import env_number
from pipeline.errors import InputError

UNITS: dict[str, str] = {"volcengine": "audio s", "transcriptgenerate": "quota s", "yinzi": "credits"}

#: Credits one Yinzi short-video analysis takes. The answer carries only the balance left; the
#: documentation's examples show a balance of 1000 going to 990 (``SUBTITLE_PIPELINE_YINZI_CREDITS_PER_ANALYSIS``).
YINZI_CREDITS_ENV = "SUBTITLE_PIPELINE_YINZI_CREDITS_PER_ANALYSIS"
DEFAULT_YINZI_CREDITS_PER_ANALYSIS = 10.0

Costs = dict[str, float]


def yinzi_credits_per_analysis(environ: Mapping[str, str] | None = None) -> float:
    value = env_number(YINZI_CREDITS_ENV, environ)
    return DEFAULT_YINZI_CREDITS_PER_ANALYSIS if value is None else value


def add_costs(costs: Iterable[Mapping[str, float]]) -> Costs:
    """The sum of several costs, vendor by vendor."""
    total: Costs = {}
    for cost in costs:
        for vendor, amount in cost.items():
            total[vendor] = total.get(vendor, 0.0) + amount
    return total


def amount_text(vendor: str, amount: float) -> str:
    """``"61.2 audio s"``: one decimal at most, in the vendor's unit."""
    return f"{amount:.1f}".rstrip("0").rstrip(".") + f" {UNITS.get(vendor, 'units')}"


def describe_costs(costs: Mapping[str, float]) -> str:
    """``"61.2 audio s (volcengine), 60 quota s (transcriptgenerate)"``; ``"nothing"`` for none."""
    parts = [f"{amount_text(vendor, amount)} ({vendor})" for vendor, amount in sorted(costs.items()) if amount]
    return ", ".join(parts) or "nothing"


def parse_budget(text: str, field: str = "--budget") -> Costs:
    """``"volcengine=3600,yinzi=50"`` → ``{"volcengine": 3600.0, "yinzi": 50.0}``, each in the vendor's unit.

    Raises:
        InputError: a vendor we do not know, or an amount that is not a number of at least 0.
    """
    budget: Costs = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        vendor, _, amount = part.partition("=")
        vendor = vendor.strip().lower()
        if vendor not in UNITS:
            raise InputError(f"{field}: {part!r} names no vendor; use "
                             + ", ".join(f"{v}=<{u}>" for v, u in UNITS.items()))
        try:
            value = float(amount)
        except ValueError:
            raise InputError(f"{field}: {part!r} needs a number after '=' ({UNITS[vendor]})") from None
        if value < 0:
            raise InputError(f"{field}: {part!r} must be at least 0")
        budget[vendor] = value
    if not budget:
        raise InputError(f"{field}: give vendor=amount pairs, e.g. volcengine=3600,transcriptgenerate=1800")
    return budget


def over_budget(estimate: Mapping[str, float], budget: Mapping[str, float]) -> list[str]:
    """One phrase per vendor whose estimate exceeds its budget (vendors without a budget are free)."""
    return [f"{vendor} needs about {amount_text(vendor, estimate[vendor])} but the budget is "
            f"{limit:g}" for vendor, limit in sorted(budget.items()) if estimate.get(vendor, 0.0) > limit]


def estimate_for(kind: str, seconds: float | None, resolver: str, expected_seconds: float) -> tuple[Costs, str]:
    """The most one item may cost, and what that rests on.

    ``kind`` is the input's (file, url, share); ``seconds`` the probed duration of a file. A URL's
    or a share link's video is not fetched for an estimate: ``expected_seconds`` stands in for
    its duration (the batch's ``expected_seconds_per_link``). A share link is resolved (one
    TranscriptGenerate task, or one Yinzi analysis) and its video then captioned by Volcengine.
    """
    if kind == "file" and seconds is not None:
        return {"volcengine": seconds}, f"probed {seconds:.1f} s"
    if kind == "share":
        resolve = ({"transcriptgenerate": expected_seconds} if resolver == "transcriptgenerate"
                   else {"yinzi": yinzi_credits_per_analysis()})
        return {**resolve, "volcengine": expected_seconds}, f"expected {expected_seconds:g} s per link"
    return {"volcengine": expected_seconds}, f"expected {expected_seconds:g} s (duration known after download)"
