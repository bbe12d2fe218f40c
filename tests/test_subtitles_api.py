"""The subtitle package's public surface, and the rules its modules keep among themselves."""

from __future__ import annotations

import ast
import types
from pathlib import Path

import pipeline.subtitles as subtitles

PACKAGE = Path(subtitles.__file__).parent


def test_all_lists_exactly_the_public_names_the_package_exports() -> None:
    exported = {name for name, value in vars(subtitles).items()
                if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"}
    assert set(subtitles.__all__) == exported
    assert len(subtitles.__all__) == len(set(subtitles.__all__))


def _imports(path: Path) -> list[ast.ImportFrom]:
    return [node for node in ast.walk(ast.parse(path.read_text())) if isinstance(node, ast.ImportFrom)]


def test_no_module_imports_another_modules_private_names() -> None:
    offenders = [
        f"{path.name}: {node.module}.{alias.name}"
        for path in sorted(PACKAGE.glob("*.py"))
        for node in _imports(path)
        if (node.module or "").startswith("pipeline.subtitles")
        for alias in node.names
        if alias.name.startswith("_")
    ]
    assert offenders == []


def test_modules_stay_small() -> None:
    sizes = {path.name: len(path.read_text().splitlines()) for path in PACKAGE.glob("*.py")}
    assert {name: size for name, size in sizes.items() if size > 500} == {}


def test_out_of_range_rules_raise_within_the_error_tree() -> None:
    from pipeline.errors import InvalidRulesError, PipelineError, SubtitleError

    try:
        subtitles.rules_for("en", max_lines=4)
    except PipelineError as exc:
        assert isinstance(exc, InvalidRulesError) and isinstance(exc, SubtitleError) and isinstance(exc, ValueError)
        assert "max_lines" in str(exc)
    else:
        raise AssertionError("max_lines=4 was accepted")
