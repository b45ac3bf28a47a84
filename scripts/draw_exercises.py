"""Draw the start and end picture of every library exercise as an SVG, from pose data.

Run from the repository root: ``python scripts/draw_exercises.py``. It rewrites
``kneeclinic/static/exercises/<slug>-start.svg`` and ``<slug>-end.svg``; commit the output.

A pose gives the angle of each body segment in degrees (0 points right, 90 points up), or asks
for a limb to reach a point (two-link inverse kinematics). One figure model and one palette keep
every drawing in the same style. "near" limbs are drawn dark, "far" limbs light grey behind them.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kneeclinic.domain.exercises import LIBRARY, Exercise  # noqa: E402

OUT = ROOT / "kneeclinic" / "static" / "exercises"

LENGTHS = {
    "torso": 54.0,
    "thigh": 46.0,
    "shin": 44.0,
    "foot": 16.0,
    "upper": 30.0,
    "fore": 28.0,
}
HEAD_R = 11.0
NECK = 8.0
LIMB_W = 9.0
W, H = 320.0, 240.0
FLOOR_Y = 214.0
INK = "#1f2937"
FAR = "#a3acb9"
HIGHLIGHT = "#f97316"
PROP = "#94a3b8"
PROP_FILL = "#e2e8f0"
BAND = "#16a34a"
BG = "#f8fafc"

Point = tuple[float, float]
Pose = dict[str, Any]


def _at(p: Point, angle: float, length: float) -> Point:
    rad = math.radians(angle)
    return (p[0] + length * math.cos(rad), p[1] + length * math.sin(rad))


def _angle(a: Point, b: Point) -> float:
    return math.degrees(math.atan2(b[1] - a[1], b[0] - a[0]))


def _ik(root: Point, target: Point, l1: float, l2: float, bend: int) -> tuple[float, float]:
    """Angles of two segments from ``root`` reaching ``target``; ``bend`` picks the joint side."""
    dist = min(math.dist(root, target), l1 + l2 - 0.01)
    base = _angle(root, target)
    cos_a = (l1 * l1 + dist * dist - l2 * l2) / (2 * l1 * dist)
    a = math.degrees(math.acos(max(-1.0, min(1.0, cos_a))))
    first = base + bend * a
    mid = _at(root, first, l1)
    return first, _angle(mid, target)


@dataclass
class Figure:
    joints: dict[str, Point]
    head: Point
    head_angle: float


def build(pose: Pose) -> Figure:
    """Place every joint of ``pose`` with the pelvis at (x, 0), then drop it onto its support."""
    scale = pose.get("len", {})

    def length(seg: str, part: str) -> float:
        return float(LENGTHS[part] * scale.get(seg, 1.0))

    pelvis = (float(pose.get("x", 0.0)), 0.0)
    torso = float(pose.get("torso", 90.0))
    neck = _at(pelvis, torso, length("torso", "torso"))
    normal = torso + 90.0  # left of the torso direction; "near" sits on the other side
    hip_w = float(pose.get("hip_w", 0.0))
    sh_w = float(pose.get("shoulder_w", 0.0))
    j: dict[str, Point] = {"pelvis": pelvis, "neck": neck}
    for side, sign in (("near", -1.0), ("far", 1.0)):
        hip = _at(pelvis, normal, sign * hip_w / 2)
        shoulder = _at(neck, normal, sign * sh_w / 2)
        j[f"{side}_hip"], j[f"{side}_shoulder"] = hip, shoulder
        leg_ik = pose.get(f"{side}_leg_to")
        if leg_ik is not None:
            tx, ty, bend = leg_ik
            thigh, shin = _ik(
                hip,
                (pelvis[0] + tx, ty),
                length(f"{side}_thigh", "thigh"),
                length(f"{side}_shin", "shin"),
                bend,
            )
        else:
            thigh = float(pose.get(f"{side}_thigh", -90.0))
            shin = float(pose.get(f"{side}_shin", thigh))
        knee = _at(hip, thigh, length(f"{side}_thigh", "thigh"))
        ankle = _at(knee, shin, length(f"{side}_shin", "shin"))
        toe = _at(ankle, float(pose.get(f"{side}_foot", 0.0)), length(f"{side}_foot", "foot"))
        j[f"{side}_knee"], j[f"{side}_ankle"], j[f"{side}_toe"] = knee, ankle, toe
    for side in ("near", "far"):
        shoulder = j[f"{side}_shoulder"]
        arm_to = pose.get(f"{side}_arm_to")
        if arm_to is not None:
            target_name, dx, dy, bend = arm_to
            tx, ty = j[target_name]
            upper, fore = _ik(
                shoulder,
                (tx + dx, ty + dy),
                length(f"{side}_upper", "upper"),
                length(f"{side}_fore", "fore"),
                bend,
            )
        else:
            upper = float(pose.get(f"{side}_upper", -90.0))
            fore = float(pose.get(f"{side}_fore", upper))
        elbow = _at(shoulder, upper, length(f"{side}_upper", "upper"))
        j[f"{side}_elbow"] = elbow
        j[f"{side}_hand"] = _at(elbow, fore, length(f"{side}_fore", "fore"))
    head_angle = float(pose.get("head", torso))
    head = _at(neck, head_angle, NECK + HEAD_R)
    anchor = pose.get("anchor")
    if anchor is None:
        lowest = min(
            min(y for _, y in j.values()) - LIMB_W / 2,
            head[1] - HEAD_R,
        )
    else:
        lowest = j[anchor][1] - LIMB_W / 2
    lift = float(pose.get("ground", 0.0)) - lowest
    joints = {name: (x, y + lift) for name, (x, y) in j.items()}
    return Figure(joints, (head[0], head[1] + lift), head_angle)


# ----------------------------------------------------------------------------- drawing


class Canvas:
    """World units (y up, floor at 0) mapped onto the SVG viewBox with one scale and offset."""

    def __init__(self, scale: float, dx: float) -> None:
        self.scale, self.dx = scale, dx
        self.parts: list[str] = []

    def xy(self, p: Point) -> tuple[float, float]:
        return (round(self.dx + p[0] * self.scale, 1), round(FLOOR_Y - p[1] * self.scale, 1))

    def line(self, a: Point, b: Point, colour: str, width: float, extra: str = "") -> None:
        (x1, y1), (x2, y2) = self.xy(a), self.xy(b)
        self.parts.append(
            f'<line x1="{x1}" y1="{y1}" x2="{x2}" y2="{y2}" stroke="{colour}" '
            f'stroke-width="{round(width * self.scale, 1)}" stroke-linecap="round"{extra}/>'
        )

    def poly(self, points: Iterable[Point], colour: str, width: float) -> None:
        pts = " ".join(f"{x},{y}" for x, y in (self.xy(p) for p in points))
        self.parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{colour}" '
            f'stroke-width="{round(width * self.scale, 1)}" stroke-linecap="round" '
            'stroke-linejoin="round"/>'
        )

    def rect(self, x0: float, y0: float, x1: float, y1: float) -> None:
        (ax, ay), (bx, by) = self.xy((x0, y1)), self.xy((x1, y0))
        self.parts.append(
            f'<rect x="{ax}" y="{ay}" width="{round(bx - ax, 1)}" height="{round(by - ay, 1)}" '
            f'rx="2" fill="{PROP_FILL}" stroke="{PROP}" stroke-width="2"/>'
        )


def _segment_of(name: str, fig: Figure) -> tuple[Point, Point]:
    side, part = name.split("_")
    j = fig.joints
    pairs = {
        "thigh": (f"{side}_hip", f"{side}_knee"),
        "shin": (f"{side}_knee", f"{side}_ankle"),
        "upper": (f"{side}_shoulder", f"{side}_elbow"),
        "torso": ("pelvis", "neck"),
    }
    a, b = pairs[part]
    return j[a], j[b]


def draw_highlight(c: Canvas, fig: Figure, spec: tuple[str, float, float]) -> None:
    """A soft orange muscle belly along a segment: (segment, position 0-1, sideways offset)."""
    name, t, offset = spec
    a, b = _segment_of(name, fig)
    ang = _angle(a, b)
    centre = _at((a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t), ang + 90, offset)
    cx, cy = c.xy(centre)
    rx = math.dist(a, b) * 0.32 * c.scale
    c.parts.append(
        f'<ellipse cx="{cx}" cy="{cy}" rx="{round(rx, 1)}" ry="{round(8.5 * c.scale, 1)}" '
        f'transform="rotate({round(-ang, 1)} {cx} {cy})" fill="{HIGHLIGHT}" opacity="0.7"/>'
    )


def draw_prop(c: Canvas, fig: Figure, prop: tuple[Any, ...]) -> None:
    j = fig.joints
    kind = prop[0]
    if kind == "wall":
        x = prop[1] if isinstance(prop[1], float | int) else j[prop[1]][0] + prop[2]
        c.rect(x - 6 if prop[-1] == "left" else x, 0, x if prop[-1] == "left" else x + 6, 190)
    elif kind == "box":
        _, x0, x1, height = prop
        c.rect(x0, 0, x1, height)
    elif kind == "chair":  # (chair, front x, seat height, facing +1 right / -1 left)
        _, front, seat, facing = prop
        back = front - facing * 40
        c.rect(min(front, back), seat - 6, max(front, back), seat)
        c.line((front - facing * 4, 0), (front - facing * 4, seat - 6), PROP, 4)
        c.line((back + facing * 4, 0), (back + facing * 4, seat + 48), PROP, 4)
    elif kind == "seat_under":  # a stool block under the pelvis (front view)
        _, half = prop
        px, py = j["pelvis"]
        c.rect(px - half, 0, px + half, py - LIMB_W / 2 - 1)
    elif kind == "mat":
        _, x0, x1 = prop
        c.rect(x0, 0, x1, 3)
    elif kind == "band":
        _, a, b = prop
        pa = j[a] if isinstance(a, str) else a
        pb = j[b] if isinstance(b, str) else b
        c.line(pa, pb, BAND, 3.5)
    elif kind == "strap":
        _, a, b = prop
        c.line(j[a], j[b], BAND, 3)
    elif kind == "weight":
        x, y = c.xy(j[prop[1]])
        s = 7 * c.scale
        c.parts.append(
            f'<rect x="{round(x - s, 1)}" y="{round(y - s, 1)}" width="{round(2 * s, 1)}" '
            f'height="{round(2 * s, 1)}" rx="3" fill="#475569"/>'
        )
    elif kind == "towel":
        x, y = c.xy((j[prop[1]][0], j[prop[1]][1] - LIMB_W / 2 - 5))
        c.parts.append(
            f'<circle cx="{x}" cy="{y}" r="{round(5 * c.scale, 1)}" fill="{PROP_FILL}" '
            f'stroke="{PROP}" stroke-width="2"/>'
        )
    elif kind == "plate":  # the foot plate of a leg press, behind the near foot
        ax, ay = j["near_ankle"]
        c.line((ax + 9, ay - 10), (ax + 9, ay + 26), PROP, 6)
        c.line((ax + 9, ay + 8), (ax + 40, ay + 8), PROP, 3)
    elif kind == "backrest":
        a, b = j["pelvis"], j["neck"]
        ang = _angle(a, b)
        c.line(_at(a, ang + 90, 9), _at(_at(b, ang, 8), ang + 90, 9), PROP, 6)
        px, py = j["pelvis"]
        c.rect(px - 16, 0, px + 26, py - LIMB_W / 2 - 1)
    else:  # pragma: no cover - a typo in the pose table
        raise ValueError(f"unknown prop {kind}")


def draw_arrow(c: Canvas, a: Point, b: Point) -> None:
    """A dashed curved arrow from where a joint starts to where it ends."""
    (x1, y1), (x2, y2) = c.xy(a), c.xy(b)
    mx, my = (x1 + x2) / 2, (y1 + y2) / 2
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1.0
    bulge = 0.25
    cx, cy = mx - dy * bulge, my + dx * bulge
    if math.hypot(cx - 160, cy - 120) > math.hypot(mx + dy * bulge - 160, my - dx * bulge - 120):
        cx, cy = mx + dy * bulge, my - dx * bulge
    tang = math.atan2(y2 - cy, x2 - cx)
    head = 9.0
    left = (x2 - head * math.cos(tang - 0.45), y2 - head * math.sin(tang - 0.45))
    right = (x2 - head * math.cos(tang + 0.45), y2 - head * math.sin(tang + 0.45))
    if length < 6:
        return
    c.parts.append(
        f'<path d="M{round(x1, 1)} {round(y1, 1)} Q{round(cx, 1)} {round(cy, 1)} '
        f'{round(x2, 1)} {round(y2, 1)}" fill="none" stroke="{HIGHLIGHT}" stroke-width="2.5" '
        'stroke-dasharray="5 4"/>'
        f'<path d="M{round(left[0], 1)} {round(left[1], 1)} L{round(x2, 1)} {round(y2, 1)} '
        f'L{round(right[0], 1)} {round(right[1], 1)}" fill="none" stroke="{HIGHLIGHT}" '
        'stroke-width="2.5" stroke-linecap="round" stroke-linejoin="round"/>'
    )


def draw_figure(c: Canvas, fig: Figure, highlights: list[tuple[str, float, float]]) -> None:
    j = fig.joints
    for side, colour in (("far", FAR),):
        c.poly(
            [j[f"{side}_hip"], j[f"{side}_knee"], j[f"{side}_ankle"], j[f"{side}_toe"]],
            colour,
            LIMB_W,
        )
        c.poly([j[f"{side}_shoulder"], j[f"{side}_elbow"], j[f"{side}_hand"]], colour, LIMB_W - 1)
    for spec in highlights:
        if spec[0].startswith("far"):
            draw_highlight(c, fig, spec)
    c.line(j["far_hip"], j["near_hip"], INK, LIMB_W)
    c.line(j["far_shoulder"], j["near_shoulder"], INK, LIMB_W)
    c.line(j["pelvis"], j["neck"], INK, LIMB_W + 2)
    hx, hy = c.xy(fig.head)
    c.line(j["neck"], _at(j["neck"], fig.head_angle, NECK), INK, LIMB_W - 1)
    c.parts.append(f'<circle cx="{hx}" cy="{hy}" r="{round(HEAD_R * c.scale, 1)}" fill="{INK}"/>')
    for spec in highlights:
        if not spec[0].startswith("far"):
            draw_highlight(c, fig, spec)
    c.poly([j["near_hip"], j["near_knee"], j["near_ankle"], j["near_toe"]], INK, LIMB_W)
    c.poly([j["near_shoulder"], j["near_elbow"], j["near_hand"]], INK, LIMB_W - 1)


def _extent(fig: Figure) -> tuple[float, float, float]:
    xs = [x for x, _ in fig.joints.values()] + [fig.head[0] - HEAD_R, fig.head[0] + HEAD_R]
    ys = [y for _, y in fig.joints.values()] + [fig.head[1] + HEAD_R]
    return min(xs), max(xs), max(ys)


def render(ex: Exercise, spec: dict[str, Any]) -> tuple[str, str]:
    """The start and end SVG for one exercise, sharing one scale so the figure stays put."""
    figs = [
        build({**spec.get("base", {}), **spec["start"]}),
        build({**spec.get("base", {}), **spec["end"]}),
    ]
    lo = min(_extent(f)[0] for f in figs) - 14
    hi = max(_extent(f)[1] for f in figs) + 14
    for prop in spec.get("props", ()):
        if prop[0] in ("box", "mat"):
            lo, hi = min(lo, prop[1]), max(hi, prop[2])
        if prop[0] == "chair":
            lo, hi = min(lo, prop[1] - 44, prop[1]), max(hi, prop[1] + 44 * prop[3])
    top = max(_extent(f)[2] for f in figs) + 10
    scale = min(1.0, (W - 24) / (hi - lo), (FLOOR_Y - 12) / top)
    dx = W / 2 - (lo + hi) / 2 * scale
    out = []
    for index, (fig, label, alt) in enumerate(
        zip(figs, ("Start", "Finish"), (ex.start_alt, ex.end_alt), strict=True)
    ):  # the page captions each picture "Start" or "Finish"; the title says it too
        c = Canvas(scale, dx)
        for prop in spec.get("props", ()):
            draw_prop(c, fig, prop)
        c.line((-1000, -2), (1000, -2), "#64748b", 4)
        draw_figure(c, fig, spec.get("highlight", []))
        if index == 1:
            for joint in spec.get("arrow", ()):
                draw_arrow(c, figs[0].joints[joint], fig.joints[joint])
        title = escape(f"{ex.name}: {label.lower()}. {alt}")
        out.append(
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {int(W)} {int(H)}" '
            f'role="img" aria-labelledby="t"><title id="t">{title}</title>'
            f'<rect width="{int(W)}" height="{int(H)}" rx="12" fill="{BG}"/>'
            + "".join(c.parts)
            + "</svg>\n"
        )
    return out[0], out[1]


# ----------------------------------------------------------------------------- pose table

STAND: Pose = {"torso": 90, "near_foot": 0, "far_foot": 0}
LYING_SIDE: Pose = {
    "torso": 180,
    "hip_w": 14,
    "near_foot": 0,
    "far_foot": 0,
    "len": {"near_foot": 0.5, "far_foot": 0.5},
    "near_thigh": 0,
    "far_thigh": 0,
    "near_upper": 0,
    "near_fore": 0,
    "far_arm_to": ("neck", -30, 14, 1),
}
SUPINE: Pose = {
    "torso": 180,
    "near_upper": 0,
    "near_fore": 0,
    "far_upper": 0,
    "far_fore": 0,
    "near_foot": 80,
    "far_foot": 80,
}
FRONT: Pose = {
    "torso": 90,
    "hip_w": 20,
    "shoulder_w": 34,
    "near_foot": 0,
    "far_foot": 180,
    "len": {"near_foot": 0.45, "far_foot": 0.45},
    "near_upper": -84,
    "far_upper": -96,
}

POSES: dict[str, dict[str, Any]] = {
    "side-lying-hip-abduction": {
        "base": LYING_SIDE,
        "start": {},
        "end": {"near_thigh": 28},
        "props": [("mat", -90, 110)],
        "highlight": [("near_thigh", 0.18, 5)],
        "arrow": ["near_ankle"],
    },
    "standing-hip-abduction-band": {
        "base": {**FRONT, "far_arm_to": ("far_shoulder", -50, -4, 1)},
        "start": {},
        "end": {"near_thigh": -62},
        "props": [("wall", "far_hand", -3, "left"), ("band", "near_ankle", "far_ankle")],
        "highlight": [("near_thigh", 0.12, 5)],
        "arrow": ["near_ankle"],
    },
    "clamshell": {
        "base": {
            **LYING_SIDE,
            "far_thigh": 2,
            "far_shin": -2,
            "len": {
                "near_foot": 0.5,
                "far_foot": 0.5,
                "near_thigh": 0.8,
                "near_shin": 0.8,
                "far_thigh": 0.8,
                "far_shin": 0.8,
            },
        },
        "start": {"near_thigh": 0, "near_shin": 0},
        "end": {"near_thigh": 32, "near_shin": -30},
        "props": [("mat", -90, 90), ("band", "near_knee", "far_knee")],
        "highlight": [("near_thigh", 0.05, 6)],
        "arrow": ["near_knee"],
    },
    "hip-external-rotation-band": {
        "base": {
            **FRONT,
            "near_thigh": -90,
            "far_thigh": -90,
            "len": {"near_thigh": 0.22, "far_thigh": 0.22, "near_foot": 0.45, "far_foot": 0.45},
            "near_upper": -80,
            "near_fore": -40,
            "far_upper": -100,
            "far_fore": -140,
        },
        "start": {"near_shin": -90},
        "end": {"near_shin": -122},
        "props": [("seat_under", 30), ("band", "near_ankle", (52, 12))],
        "highlight": [("near_thigh", 0.1, 7)],
        "arrow": ["near_ankle"],
    },
    "hip-extension": {
        "base": {
            **STAND,
            "torso": 78,
            "near_arm_to": ("neck", 46, -4, 1),
            "far_arm_to": ("neck", 46, 2, 1),
        },
        "start": {"near_thigh": -48, "near_shin": -100},
        "end": {"near_thigh": -102, "near_shin": -104},
        "props": [("wall", "near_hand", 1, "right"), ("band", "near_ankle", "far_ankle")],
        "highlight": [("near_thigh", 0.08, -8)],
        "arrow": ["near_ankle"],
    },
    "bridge": {
        "base": {**SUPINE, "head": 180},
        "start": {
            "near_thigh": 45,
            "near_shin": -45,
            "far_thigh": 45,
            "far_shin": -45,
            "near_foot": 0,
            "far_foot": 0,
        },
        "end": {
            "x": -5,
            "torso": 205,
            "near_thigh": 17,
            "near_shin": -56,
            "far_thigh": 17,
            "far_shin": -56,
            "near_foot": 0,
            "far_foot": 0,
            "near_upper": 25,
            "near_fore": -10,
            "far_upper": 25,
            "far_fore": -10,
        },
        "props": [("mat", -100, 90)],
        "highlight": [("near_thigh", 0.1, -8)],
        "arrow": ["pelvis"],
    },
    "side-plank": {
        "base": {
            **LYING_SIDE,
            "hip_w": 10,
            "far_arm_to": None,
            "far_upper": -90,
            "far_fore": 180,
            "len": {"near_foot": 0.5, "far_foot": 0.5, "far_fore": 0.7},
        },
        "start": {"torso": 148, "near_upper": -30, "near_fore": -10},
        "end": {
            "x": 7,
            "torso": 168.5,
            "near_thigh": -11.5,
            "far_thigh": -11.5,
            "near_upper": 90,
            "near_fore": 90,
        },
        "props": [("mat", -80, 110)],
        "highlight": [("near_thigh", 0.05, 6), ("near_torso", 0.25, -6)],
        "arrow": ["pelvis"],
    },
    "quad-set": {
        "base": {
            "torso": 105,
            "near_thigh": 0,
            "far_thigh": 0,
            "near_foot": 80,
            "far_foot": 80,
            "near_upper": -115,
            "near_fore": -105,
            "far_upper": -120,
            "far_fore": -110,
        },
        "start": {"near_thigh": 3, "near_shin": -3, "near_foot": 78},
        "end": {"near_thigh": -1, "near_shin": 4, "near_foot": 86},
        "props": [("towel", "near_knee")],
        "highlight": [("near_thigh", 0.55, 5)],
        "arrow": ["near_ankle"],
    },
    "straight-leg-raise": {
        "base": {**SUPINE, "far_thigh": 45, "far_shin": -45, "far_foot": 0},
        "start": {"near_thigh": 0},
        "end": {"near_thigh": 21, "near_foot": 101},
        "props": [("mat", -100, 110)],
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["near_ankle"],
    },
    "wall-sit": {
        "base": {**STAND, "near_upper": -88, "near_fore": -60, "far_upper": -92, "far_fore": -62},
        "start": {"near_thigh": -68, "far_thigh": -68},
        "end": {"near_thigh": -42, "near_shin": -90, "far_thigh": -42, "far_shin": -90},
        "props": [("wall", -10.5, "left")],
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["pelvis"],
    },
    "squat": {
        "base": STAND,
        "start": {},
        "end": {
            "x": -17.5,
            "torso": 65,
            "near_thigh": -45,
            "near_shin": -110,
            "far_thigh": -45,
            "far_shin": -110,
            "near_upper": 0,
            "near_fore": 0,
            "far_upper": 4,
            "far_fore": 4,
        },
        "highlight": [("near_thigh", 0.5, 5), ("near_thigh", 0.05, -7)],
        "arrow": ["pelvis"],
    },
    "leg-press": {
        "base": {
            "torso": 128,
            "anchor": "pelvis",
            "ground": 50,
            "near_foot": 80,
            "far_foot": 80,
            "near_upper": -70,
            "near_fore": -10,
            "far_upper": -74,
            "far_fore": -14,
        },
        "start": {"near_thigh": 40, "near_shin": -30, "far_thigh": 40, "far_shin": -30},
        "end": {"near_thigh": 10, "near_shin": 2, "far_thigh": 10, "far_shin": 2},
        "props": [("backrest",), ("plate",)],
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["near_ankle"],
    },
    "seated-knee-extension": {
        "base": {
            "torso": 92,
            "near_thigh": 0,
            "far_thigh": 0,
            "far_shin": -90,
            "anchor": "far_toe",
            "near_upper": -80,
            "near_fore": -20,
            "far_upper": -84,
            "far_fore": -24,
        },
        "start": {"near_shin": -90},
        "end": {"near_shin": -45, "near_foot": 45},
        "props": [("chair", 34, 52, 1), ("weight", "near_ankle")],
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["near_ankle"],
    },
    "lateral-step-down": {
        "base": {
            **STAND,
            "anchor": "near_toe",
            "ground": 26,
            "near_upper": -70,
            "near_fore": -40,
            "far_upper": -74,
            "far_fore": -44,
        },
        "start": {"far_thigh": -84, "far_shin": -84},
        "end": {
            "x": -11,
            "torso": 76,
            "near_thigh": -50,
            "near_shin": -115,
            "far_thigh": -78,
            "far_shin": -84,
        },
        "props": [("box", -16, 40, 26)],
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["far_ankle"],
    },
    "single-leg-squat-to-box": {
        "base": {
            **STAND,
            "anchor": "near_toe",
            "near_upper": 0,
            "near_fore": 0,
            "far_upper": 4,
            "far_fore": 4,
        },
        "start": {"far_thigh": -70, "far_shin": -92},
        "end": {
            "x": -29.4,
            "torso": 62,
            "near_thigh": -15,
            "near_shin": -110,
            "far_thigh": -12,
            "far_shin": -35,
        },
        "props": [("chair", -30, 52, -1)],
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["pelvis"],
    },
    "split-squat": {
        "base": {
            **STAND,
            "far_foot": -40,
            "near_upper": -90,
            "near_fore": -60,
            "far_upper": -92,
            "far_fore": -62,
        },
        "start": {"near_thigh": -70, "far_leg_to": (-31, -84.6 + 7, 1)},
        "end": {"x": -10.7, "near_thigh": -10, "near_shin": -95, "far_leg_to": (-20.1, -43.8, 1)},
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["pelvis"],
    },
    "step-up": {
        "base": {**STAND, "near_upper": -80, "near_fore": -60, "far_upper": -100, "far_fore": -80},
        "start": {"anchor": "far_toe", "near_leg_to": (28, -90 + 25, 1)},
        "end": {
            "x": 28,
            "anchor": "near_toe",
            "ground": 25,
            "far_thigh": -105,
            "far_shin": -135,
            "far_foot": -30,
        },
        "props": [("box", 14, 70, 25)],
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["pelvis"],
    },
    "calf-raise": {
        "base": {**STAND, "near_arm_to": ("neck", 42, 4, -1), "far_arm_to": ("neck", 42, 8, -1)},
        "start": {"anchor": "near_toe"},
        "end": {"near_foot": -48, "far_foot": -48, "anchor": "near_toe"},
        "props": [("wall", "near_hand", 1, "right")],
        "highlight": [("near_shin", 0.3, -5)],
        "arrow": ["near_ankle"],
    },
    "quadriceps-stretch": {
        "base": {**STAND, "far_arm_to": ("neck", 44, 0, 1)},
        "start": {},
        "end": {
            "near_thigh": -92,
            "near_shin": 102,
            "near_foot": 190,
            "near_arm_to": ("near_ankle", 0, 0, -1),
        },
        "props": [("wall", "far_hand", 1, "right")],
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["near_ankle"],
    },
    "hamstring-stretch": {
        "base": {
            **SUPINE,
            "far_thigh": 0,
            "near_arm_to": ("neck", 30, 30, -1),
            "far_arm_to": ("neck", 32, 26, -1),
        },
        "start": {"near_thigh": 62, "near_shin": -12, "near_foot": 75},
        "end": {"near_thigh": 78, "near_shin": 78, "near_foot": 168},
        "props": [("mat", -100, 110), ("strap", "near_hand", "near_toe")],
        "highlight": [("near_thigh", 0.5, -5)],
        "arrow": ["near_ankle"],
    },
    "calf-stretch": {
        "base": {
            **STAND,
            "torso": 68,
            "near_arm_to": ("neck", 46, 6, -1),
            "far_arm_to": ("neck", 46, 10, -1),
        },
        "start": {"near_leg_to": (-36, -82, 1), "far_leg_to": (16, -82, 1)},
        "end": {"near_leg_to": (-36, -75, 1), "far_leg_to": (16, -75, 1)},
        "props": [("wall", "near_hand", 1, "right")],
        "highlight": [("near_shin", 0.3, -5)],
        "arrow": ["near_knee"],
    },
    "hip-flexor-stretch": {
        "base": {
            "torso": 90,
            "near_foot": 185,
            "far_foot": 0,
            "near_upper": -60,
            "near_fore": -20,
            "far_upper": -64,
            "far_fore": -24,
        },
        "start": {"near_thigh": -95, "near_shin": 180, "far_leg_to": (42, -45.8, 1)},
        "end": {
            "x": 15.4,
            "near_thigh": -118,
            "near_shin": 180,
            "far_leg_to": (42 - 15.4, -40.6, 1),
        },
        "props": [("mat", -70, 80)],
        "highlight": [("near_thigh", 0.18, 5)],
        "arrow": ["pelvis"],
    },
    "itb-stretch": {
        "base": {**FRONT, "near_arm_to": ("near_shoulder", 48, 8, -1)},
        "start": {},
        "end": {"x": 12, "torso": 100, "near_leg_to": (-22, -86, -1), "far_leg_to": (-10, -86, 1)},
        "props": [("wall", "near_hand", 1, "right")],
        "highlight": [("near_thigh", 0.12, 6)],
        "arrow": ["pelvis"],
    },
    "brisk-walk": {
        "base": STAND,
        "start": {
            "near_thigh": -68,
            "near_shin": -78,
            "far_thigh": -112,
            "far_shin": -118,
            "far_foot": -20,
            "near_upper": -112,
            "near_fore": -95,
            "far_upper": -70,
            "far_fore": -45,
        },
        "end": {
            "torso": 83,
            "near_thigh": -45,
            "near_shin": -118,
            "far_thigh": -108,
            "far_shin": -160,
            "far_foot": -70,
            "near_upper": -120,
            "near_fore": -30,
            "far_upper": -60,
            "far_fore": 20,
        },
        "highlight": [("near_thigh", 0.5, 5)],
    },
    "leg-swings": {
        "base": {**STAND, "far_arm_to": ("neck", 44, 0, 1), "near_arm_to": ("neck", 44, 4, 1)},
        "start": {"near_thigh": -122, "near_shin": -126},
        "end": {"near_thigh": -48, "near_shin": -60},
        "props": [("wall", "far_hand", 1, "right")],
        "highlight": [("near_thigh", 0.2, 5)],
        "arrow": ["near_ankle"],
    },
    "walking-lunges": {
        "base": {
            **STAND,
            "far_foot": -40,
            "near_upper": -90,
            "near_fore": -60,
            "far_upper": -92,
            "far_fore": -62,
        },
        "start": {},
        "end": {"near_thigh": -35, "near_shin": -98, "far_leg_to": (-34, -64, 1)},
        "highlight": [("near_thigh", 0.5, 5)],
        "arrow": ["near_ankle"],
    },
    "high-knees": {
        "base": {**STAND, "near_foot": -30, "far_foot": -30},
        "start": {"near_upper": -80, "near_fore": -10, "far_upper": -100, "far_fore": -20},
        "end": {
            "near_thigh": 2,
            "near_shin": -92,
            "near_upper": -125,
            "near_fore": -60,
            "far_upper": -40,
            "far_fore": 50,
        },
        "highlight": [("near_thigh", 0.2, 5)],
        "arrow": ["near_knee"],
    },
    "butt-kicks": {
        "base": {**STAND, "near_foot": -30, "far_foot": -30},
        "start": {"near_upper": -80, "near_fore": -10, "far_upper": -100, "far_fore": -20},
        "end": {
            "near_thigh": -96,
            "near_shin": 95,
            "near_foot": 170,
            "near_upper": -60,
            "near_fore": 10,
            "far_upper": -120,
            "far_fore": -40,
        },
        "highlight": [("near_thigh", 0.5, -5)],
        "arrow": ["near_ankle"],
    },
}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    missing = [ex.slug for ex in LIBRARY if ex.slug not in POSES]
    if missing:
        raise SystemExit(f"no pose for: {', '.join(missing)}")
    for ex in LIBRARY:
        start, end = render(ex, POSES[ex.slug])
        (OUT / f"{ex.slug}-start.svg").write_text(start, encoding="utf-8")
        (OUT / f"{ex.slug}-end.svg").write_text(end, encoding="utf-8")
    print(f"drew {2 * len(LIBRARY)} pictures in {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
