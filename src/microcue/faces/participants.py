"""Tracks become participants: a stable name, a screen position and a role (buyer, seller, other)."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from microcue.errors import InputNotFoundError, InvalidInputError

ROLES = ("buyer", "seller", "other", "unknown")
_H = {"left": 0.0, "center": 0.5, "centre": 0.5, "middle": 0.5, "right": 1.0}
_V = {"top": 0.0, "center": 0.5, "centre": 0.5, "middle": 0.5, "bottom": 1.0}


@dataclass(frozen=True)
class RoleSpec:
    """One ``WHERE=ROLE[:NAME]`` assignment. ``where`` is a position (left, top-right, ...) or a track id."""

    where: str
    role: str
    name: str | None = None

    @classmethod
    def parse(cls, text: str, *, origin: str = "--role") -> RoleSpec:
        m = re.fullmatch(r"\s*([^=\s]+)\s*=\s*([A-Za-z]+)\s*(?::\s*(.+?))?\s*", text)
        if not m:
            raise InvalidInputError(f"{origin} {text!r}: expected WHERE=ROLE[:NAME], e.g. left=seller:Dana")
        where, role, name = m.group(1).lower(), m.group(2).lower(), m.group(3)
        if role not in ("buyer", "seller", "other"):
            raise InvalidInputError(f"{origin} {text!r}: role must be buyer, seller or other, not {role!r}")
        if not (_track_number(where) is not None or _anchor(where) is not None):
            raise InvalidInputError(f"{origin} {text!r}: WHERE must be a position (left, right, top, bottom, "
                                    "center, top-left, ...) or a track id (e.g. 0 or track0)")
        return cls(where, role, name)


def read_roles_file(path: str | Path) -> list[RoleSpec]:
    """A sidecar file: one ``WHERE=ROLE[:NAME]`` per line; blank lines and ``#`` comments are ignored."""
    path = Path(path)
    if not path.exists():
        raise InputNotFoundError(f"{path}: roles file not found")
    specs = []
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if line:
            specs.append(RoleSpec.parse(line, origin=f"{path}:{n}:"))
    return specs


def _track_number(where: str) -> int | None:
    m = re.fullmatch(r"(?:track|t|id)?(\d+)", where)
    return int(m.group(1)) if m else None


def _anchor(where: str) -> tuple[float | None, float | None] | None:
    """(x, y) anchor in 0..1 for a position word; None on an axis the word does not constrain."""
    parts = [p for p in re.split(r"[-_ ]", where) if p]
    x = y = None
    for p in parts:
        if p in ("left", "right"):
            x = _H[p]
        elif p in ("top", "bottom"):
            y = _V[p]
        elif p in ("center", "centre", "middle"):
            continue
        else:
            return None
    if len(parts) == 1 and parts[0] in ("center", "centre", "middle"):
        return 0.5, 0.5
    if len(parts) == 2 and any(p in ("center", "centre", "middle") for p in parts):
        x = 0.5 if x is None else x
        y = 0.5 if y is None else y
    return x, y


@dataclass
class Participant:
    """A person in the call. ``id`` is what signal rows and events use (P1, P2, ... by screen position)."""

    id: str
    name: str
    role: str
    track_ids: list[int]
    position: str
    center: tuple[float, float]
    first_seen_s: float
    last_seen_s: float
    frames: int
    median_face_px: float
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)


def position_name(cx: float, cy: float) -> str:
    """A human word for where a face sits on screen (e.g. ``top-left``, ``right``, ``center``)."""
    h = "left" if cx < 0.4 else "right" if cx > 0.6 else ""
    v = "top" if cy < 0.4 else "bottom" if cy > 0.6 else ""
    return "-".join(p for p in (v, h) if p) or "center"


MIN_TRACK_FRAMES = 8
MIN_TRACK_S = 0.3
"""A track is a person only once it has this many frames over this many seconds (less is detector noise)."""


def real_tracks(track_stats: dict[int, dict], *, min_frames: int = MIN_TRACK_FRAMES, min_seconds: float = MIN_TRACK_S,
                min_density: float = 0.3) -> set[int]:
    """The tracks that are people, not detector noise (see ``build_participants``)."""
    kept = {tid: s for tid, s in track_stats.items()
            if s["frames"] >= min_frames and s["last_s"] - s["first_s"] >= min_seconds}
    # A real face is measured in most frames while it is on screen; a pattern that only now and then passes
    # for a face (a collar, a logo) is measured in a few. Density = frames per second of its own span,
    # relative to the best-covered track of the call (no frame rate is assumed).
    density = {tid: s["frames"] / max(s["last_s"] - s["first_s"], 1e-6) for tid, s in kept.items()}
    best = max(density.values(), default=0.0)
    return {tid for tid in kept if density[tid] >= min_density * best}


def build_participants(track_stats: dict[int, dict], roles: list[RoleSpec] = (), *,
                       min_frames: int = MIN_TRACK_FRAMES, min_seconds: float = MIN_TRACK_S,
                       min_density: float = 0.3) -> list[Participant]:
    """Participants from track statistics ``{track_id: {frames, first_s, last_s, cx, cy, face_px}}``.

    Tracks seen for fewer than ``min_frames`` frames or ``min_seconds`` are dropped as detector noise, and so
    are tracks measured in under ``min_density`` of the frames the best-covered track gets over the same span
    (a pattern that passes for a face now and then). Ids and
    default names follow screen order (top to bottom, then left to right), so the same layout gives the
    same names. Roles are matched by track id first, then by position (the closest participant to the
    position's anchor). Without any role given everyone is ``unknown``.
    """
    keep = real_tracks(track_stats, min_frames=min_frames, min_seconds=min_seconds, min_density=min_density)
    kept = {tid: s for tid, s in track_stats.items() if tid in keep}
    order = _screen_order({tid: (s["cx"], s["cy"]) for tid, s in kept.items()})
    people = []
    for i, tid in enumerate(order, 1):
        s = kept[tid]
        people.append(Participant(
            id=f"P{i}", name=f"Person {i}", role="unknown" if not roles else "other", track_ids=[tid],
            position=position_name(s["cx"], s["cy"]), center=(round(s["cx"], 4), round(s["cy"], 4)),
            first_seen_s=round(s["first_s"], 4), last_seen_s=round(s["last_s"], 4), frames=int(s["frames"]),
            median_face_px=round(float(s["face_px"]), 1)))
    taken: set[str] = set()
    for spec in roles:
        p = _match(spec, people, taken)
        if p is None:
            found = ", ".join(f"{q.id} {q.position} track{q.track_ids[0]}" for q in people) or "none"
            raise InvalidInputError(f"--role {spec.where}={spec.role}: no participant at {spec.where!r} "
                                    f"(found: {found})")
        taken.add(p.id)
        p.role = spec.role
        if spec.name:
            p.name = spec.name
            p.extra["named"] = True
    return people


def _screen_order(centers: dict[int, tuple[float, float]], *, row_gap: float = 0.12) -> list[int]:
    """Track ids in reading order: rows top to bottom (centres within ``row_gap`` of the row's first face
    share a row), then left to right within a row."""
    rows: list[list[int]] = []
    for tid in sorted(centers, key=lambda t: (centers[t][1], centers[t][0], t)):
        if rows and centers[tid][1] - centers[rows[-1][0]][1] < row_gap:
            rows[-1].append(tid)
        else:
            rows.append([tid])
    return [t for row in rows for t in sorted(row, key=lambda t: (centers[t][0], t))]


def _match(spec: RoleSpec, people: list[Participant], taken: set[str]) -> Participant | None:
    free = [p for p in people if p.id not in taken]
    n = _track_number(spec.where)
    if n is not None:
        return next((p for p in free if n in p.track_ids), None)
    ax, ay = _anchor(spec.where)
    if not free:
        return None

    def dist(p: Participant) -> float:
        dx = 0.0 if ax is None else p.center[0] - ax
        dy = 0.0 if ay is None else p.center[1] - ay
        return float(np.hypot(dx, dy))

    return min(free, key=dist)
