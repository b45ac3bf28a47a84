"""Every library entry has start and end drawings that are safe, parse, and are up to date."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import defusedxml.ElementTree as ET
import pytest

from kneeclinic.domain.exercises import LIBRARY

ROOT = Path(__file__).resolve().parents[2]
PICTURES = ROOT / "kneeclinic" / "static" / "exercises"
SVG = "{http://www.w3.org/2000/svg}"
SLUGS = [exercise.slug for exercise in LIBRARY]


def _drawing_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "draw_exercises", ROOT / "scripts" / "draw_exercises.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up here
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("slug", SLUGS)
@pytest.mark.parametrize("end", ["start", "end"])
def test_each_exercise_has_a_safe_svg_that_parses(slug: str, end: str) -> None:
    path = PICTURES / f"{slug}-{end}.svg"
    root = ET.fromstring(path.read_text(encoding="utf-8"))
    assert root.tag == f"{SVG}svg"
    assert root.get("viewBox") == "0 0 320 240"
    assert root.get("role") == "img"
    title = root.find(f"{SVG}title")
    assert title is not None and title.text
    for element in root.iter():
        assert element.tag.removeprefix(SVG) not in {"script", "foreignObject", "image", "use"}
        for name, value in element.attrib.items():
            assert not name.endswith("href")
            assert not name.startswith("on")
            assert "url(" not in value and "http" not in value.replace("http://www.w3.org", "")


def test_every_svg_in_the_folder_belongs_to_an_exercise() -> None:
    expected = {f"{slug}-{end}.svg" for slug in SLUGS for end in ("start", "end")}
    assert {path.name for path in PICTURES.glob("*.svg")} == expected


def test_the_committed_drawings_match_what_the_script_draws_from_the_poses() -> None:
    script = _drawing_script()
    for exercise in LIBRARY:
        start, end = script.render(exercise, script.POSES[exercise.slug])
        assert (PICTURES / f"{exercise.slug}-start.svg").read_text(encoding="utf-8") == start
        assert (PICTURES / f"{exercise.slug}-end.svg").read_text(encoding="utf-8") == end


def test_the_alt_text_is_in_the_drawing_title() -> None:
    root = ET.fromstring((PICTURES / "clamshell-end.svg").read_text(encoding="utf-8"))
    title = root.find(f"{SVG}title")
    assert title is not None
    assert title.text == "Clamshell: finish. " + LIBRARY[2].end_alt
