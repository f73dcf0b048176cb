"""Which side of the face an expression used: laterality of the sided AUs (AU1, AU2, AU12, AU14) of an episode."""

from __future__ import annotations

import numpy as np

from microcue.events.episodes import SIDES


def side_laterality(side: np.ndarray, sided: tuple[str, ...] = ("au01", "au02", "au12", "au14")) -> dict[str, str]:
    """"left" / "right" / "both" per sided AU from its two sides' rises (``side``: values in :data:`SIDES` order):
    one side when asym = (L - R) / (L + R) is beyond +-0.5."""
    v = dict(zip(SIDES, side))
    out = {}
    for a in sided:
        left, right = v[f"{a}_l"], v[f"{a}_r"]
        asym = (left - right) / (left + right + 1e-6)
        out[a] = "left" if asym > 0.5 else "right" if asym < -0.5 else "both"
    return out


APEX_LAT_MIN = 0.15
"""A lip-corner AU's sides at the apex decide its laterality while talking only if one side is raised this much there
(AU scale; PRESENT in emfacs): a corner that is down at the apex tells nothing about which side the expression
used, and the peak over the episode stays."""


def apex_laterality(apex_side: np.ndarray) -> dict[str, tuple[str, float]]:
    """Laterality of the lip-corner AUs (AU12, AU14) from their two sides at the episode's apex, and the larger
    side's rise there, for those raised there by at least :data:`APEX_LAT_MIN` on one side.

    While the person talks, speech pulls both lip corners up and back now and then, so over a whole episode both
    sides of AU12/AU14 reach a similar peak even when the expression itself raised one corner only (a smirk reads
    "both", then happiness). At the apex, the moment the expression peaked, the speech swing of the other corner is
    mostly not there. The brows (AU1/AU2) keep their peak: speech does not move them.
    """
    v = dict(zip(SIDES, apex_side))
    out = {}
    for a, lat in side_laterality(apex_side, ("au12", "au14")).items():
        top = max(float(v[f"{a}_l"]), float(v[f"{a}_r"]))
        if top >= APEX_LAT_MIN:
            out[a] = (lat, top)
    return out
