"""Per-person calibrations (the neutral baseline) saved after a call and reused in the next.

Only participants with a name given by the user (``--role WHERE=ROLE:NAME``) are saved or loaded: default
names (Person 1, ...) are positions on one call's screen, not people, and are never carried to another call.
Files are ``DIR/<slug of the name>.json`` (NeutralBaseline.to_dict, which records the microcue version).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from microcue.errors import InvalidInputError
from microcue.io.sink import write_json
from microcue.signals.baseline import NeutralBaseline


def slug(name: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", name.strip().lower()).strip("-")
    return s or "person"


def calibration_path(folder: str | Path, name: str) -> Path:
    return Path(folder) / f"{slug(name)}.json"


def load_calibration(folder: str | Path, name: str) -> NeutralBaseline | None:
    """The saved baseline of ``name`` in ``folder``, or None when there is none."""
    path = calibration_path(folder, name)
    if not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidInputError(f"{path}: not a readable calibration ({exc})") from None
    try:
        return NeutralBaseline.from_dict(data)
    except InvalidInputError as exc:
        raise InvalidInputError(f"{path}: {exc}") from None


def save_calibration(folder: str | Path, name: str, baseline: NeutralBaseline) -> Path:
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    return write_json(calibration_path(folder, name), baseline.to_dict())
