"""``subtitle-pipeline lint``: check SRT/WebVTT/ASS files against the subtitle rules.

Editors get subtitle files from many tools; this says, per cue, which rule each one breaks
(with the numbers), so a file can be fixed or sent back before it is burned in. A file not in
UTF-8 is read in its own encoding (said in the summary). Exit status:
0 clean (warnings allowed unless ``--strict``), 1 rule errors, 2 unreadable input.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import InputError
from pipeline.subtitles import Cue, CueRules, LintIssue, lint_cues, rules_for
from pipeline.subtitles.formats import srt_time
from pipeline.subtitles.language import check_language, guess_language
from pipeline.subtitles.reading import read_subtitle_file
from pipeline.subtitles.rewrap import plural

EXIT_CLEAN = 0
EXIT_ISSUES = 1


def register(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = commands.add_parser("lint", help="check SRT/WebVTT/ASS files against the subtitle rules")
    p.add_argument("files", nargs="+", metavar="FILE", help=".srt, .vtt or .ass files")
    add_rule_options(p)
    p.add_argument("--fps", type=float, default=None, help="frame rate for the minimum gap (default 25)")
    p.add_argument("--max-cps", type=float, default=None, help="reading speed limit (default: the language's)")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.set_defaults(run=run)


def add_rule_options(p: argparse.ArgumentParser) -> None:
    """The options lint and rewrap share, so both read the same rules from the same flags."""
    p.add_argument("-l", "--language", default=None,
                   help="zh-CN, en-US, ja-JP ... (default: guessed from the text)")
    p.add_argument("--max-chars-per-line", type=int, default=None, help="default: the language's (zh 16, en 42)")
    p.add_argument("--max-lines", type=int, default=None, choices=(1, 2, 3), help="default 2")


# --------------------------------------------------------------------------- shared with rewrap


def rules_from_args(args: argparse.Namespace, cues: Sequence[Cue], **extra: Any) -> CueRules:
    """Rules for ``cues``: the given or guessed language, with the options given on the command line."""
    overrides = {
        "max_chars_per_line": args.max_chars_per_line,
        "max_lines": args.max_lines,
        "fps": getattr(args, "fps", None),
        "max_cps": getattr(args, "max_cps", None),
        **extra,
    }
    try:
        language = check_language(args.language) if args.language else guess_language(cues)
    except ValueError as exc:
        raise InputError(f"-l/--language: {exc}") from exc
    try:
        return rules_for(language, **{k: v for k, v in overrides.items() if v is not None})
    except ValueError as exc:
        raise InputError(f"{exc}; check the limits given on the command line") from exc


# --------------------------------------------------------------------------- report


@dataclass(frozen=True)
class FileReport:
    """One file's issues and the rules they were checked against."""

    path: str
    cues: list[Cue]
    rules: CueRules
    issues: list[LintIssue]
    language_guessed: bool
    encoding: str = "utf-8"

    def count(self, severity: str) -> int:
        return sum(1 for issue in self.issues if issue.severity == severity)

    def to_dict(self) -> dict[str, Any]:
        """JSON form; ``cue`` is 1-based like SRT numbering, ``cue_index`` the 0-based position."""
        return {
            "path": self.path,
            "language": self.rules.language,
            "language_guessed": self.language_guessed,
            "encoding": self.encoding,
            "rules": self.rules.to_dict(),
            "cues": len(self.cues),
            "errors": self.count("error"),
            "warnings": self.count("warning"),
            "issues": [
                {
                    "cue": issue.cue_index + 1,
                    "cue_index": issue.cue_index,
                    "start_ms": self.cues[issue.cue_index].start_ms,
                    "end_ms": self.cues[issue.cue_index].end_ms,
                    "rule": issue.rule,
                    "severity": issue.severity,
                    "message": issue.message,
                }
                for issue in self.issues
            ],
        }


def lint_file(path: str, cues: list[Cue], args: argparse.Namespace, encoding: str = "utf-8") -> FileReport:
    rules = rules_from_args(args, cues)
    return FileReport(path, cues, rules, lint_cues(cues, rules, fps_known=args.fps is not None), language_guessed=args.language is None,
                      encoding=encoding)


def lint_bilingual(path: str, cues: list[Cue], args: argparse.Namespace) -> list[FileReport] | None:
    """A bilingual file with its alignment report beside it: the source half under the source
    language's rules, the translation half under the target's, plus the alignment's warnings
    (``pipeline.translation.lint``). None for any other file."""
    from pipeline.translation.lint import alignment_issues, load_report, split_bilingual

    doc = load_report(path)
    if doc is None or len(doc.get("bilingual_source_lines", ())) != len(cues):
        return None
    reports = []
    halves = split_bilingual(cues, doc["bilingual_source_lines"])
    for (label, language), half in zip((("source", doc["source_language"]), ("translation", doc["target_language"])),
                                       halves, strict=True):
        rules = rules_from_args(argparse.Namespace(**{**vars(args), "language": language}), half)
        issues = lint_cues(half, rules, fps_known=args.fps is not None)
        if label == "translation":
            issues = sorted(issues + alignment_issues(half, doc.get("pairs", ())), key=lambda i: i.cue_index)
        reports.append(FileReport(f"{path} ({label})", half, rules, issues, language_guessed=False))
    return reports


def _issue_line(report: FileReport, issue: LintIssue) -> str:
    cue = report.cues[issue.cue_index]
    return (f"{report.path}: cue {issue.cue_index + 1} ({srt_time(cue.start_ms)} --> {srt_time(cue.end_ms)}) "
            f"{issue.severity} {issue.rule}: {issue.message}")


def _summary_line(report: FileReport) -> str:
    rules = report.rules
    limits = (f"{rules.language}{' (guessed)' if report.language_guessed else ''}, "
              f"{rules.max_chars_per_line} chars x {rules.max_lines} lines, {rules.max_cps:g} cps, {rules.fps:g} fps")
    errors, warnings = report.count("error"), report.count("warning")
    verdict = "clean" if not report.issues else f"{errors} error(s), {warnings} warning(s)"
    read_as = f", read as {report.encoding}" if report.encoding not in ("utf-8", "utf-8-sig") else ""
    return f"{report.path}: {plural(len(report.cues), 'cue')}, {verdict} [{limits}{read_as}]"


def print_text(reports: Sequence[FileReport]) -> None:
    for report in reports:
        for issue in report.issues:
            print(_issue_line(report, issue))
        print(_summary_line(report))


def exit_code(reports: Sequence[FileReport], strict: bool) -> int:
    """1 when any error (or, with ``strict``, any warning) was found, else 0."""
    failing = {"error", "warning"} if strict else {"error"}
    return EXIT_ISSUES if any(i.severity in failing for r in reports for i in r.issues) else EXIT_CLEAN


def run(args: argparse.Namespace) -> int:
    # Read every file before reporting any: an unreadable one fails the run (exit 2) in one line.
    loaded = [(path, read_subtitle_file(Path(path))) for path in args.files]
    reports = [report for path, read in loaded
               for report in (lint_bilingual(path, read.cues, args) or [lint_file(path, read.cues, args, read.encoding)])]
    code = exit_code(reports, args.strict)
    if args.json:
        print(json.dumps({"files": [r.to_dict() for r in reports], "exit_status": code}, ensure_ascii=False, indent=2))
    else:
        print_text(reports)
    return code
