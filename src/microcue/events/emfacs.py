"""Naming an expression episode from the action units that moved (EMFACS combinations), and its flags."""

from __future__ import annotations

UPPER = ("au01", "au02", "au04", "au05", "au06", "au07")
LOWER = ("au09", "au10", "au12", "au14", "au15", "au17", "au20", "au23", "au24", "au26")

PROTOTYPES = {
    "happiness": ("au06", "au12"),
    "sadness": ("au01", "au04", "au15"),
    "surprise": ("au01", "au02", "au05", "au26"),
    "fear": ("au01", "au02", "au04", "au05", "au20", "au26"),
    "anger": ("au04", "au05", "au07", "au23"),
    "disgust": ("au09", "au10"),
    "contempt": ("au12", "au14"),  # one-sided
}
"""The EMFACS combinations (full forms) this module names emotions by."""

ANTAGONISTS = {
    "au12": ("au15", "au24", "au23", "au17"),
    "au15": ("au12",),
    "au04": ("au01", "au02"),
    "au01": ("au04",),
    "au02": ("au04",),
    "au09": ("au24", "au17"),
    "au10": ("au24", "au17"),
}
"""A counter-movement: when one of these rises while the expression's main AU falls, the expression was cut off."""


PRESENT = 0.15
"""An AU takes part in the pattern when it moved relative to its own noise (``moved``) or rose at least this much on
the AU scale (0..1): the speech-raised lower-face thresholds otherwise hide a smile's AU12 in a talker. (Names on the
benchmark's tune + calib splits and the natural clips were the same for 0.10-0.15; 0.18 and up lose natural ones.)"""


NOT_SMILE = ("au01", "au02", "au04", "au15")
"""Movements no smile or laugh makes: the brows (raised or drawn down) and AU12's antagonist, the lip-corner depressor.
While the face smiles, one of these that crossed its own threshold keeps the episode's name from the rises."""


def name_expression(moved: dict[str, float], laterality: dict[str, str], rise: dict[str, float] | None = None,
                    eyes_closed: float = 0.0, at_apex: dict[str, float] | None = None,
                    level: dict[str, float] | None = None) -> tuple[str, tuple[str, ...]]:
    """Emotion and flags from the AUs that moved, by the EMFACS combinations, compared by their rises in AU units.

    Which AUs moved is judged per person (``moved``: in units of each AU's own, speech-raised threshold); how much
    they moved is compared on the common AU scale (``rise``), so a small, noisy AU cannot outrank a broad smile
    just because its threshold is low. Steps (docs/spotting.md, "How expression episodes are found", step 4):

    1. **crying** (brows lowered with the eyes closed >= 40 % of the episode or with AU15, and the brow strong) and
       the **sad brow** (inner brows up and drawn down, AU1+AU4 without the outer raise AU2, with the eyes narrowed
       AU6/AU7 rather than widened AU5) are sadness, even when the stretched mouth reads as AU12;
    2. otherwise each prototype whose core AUs are present gets a score, and the largest names the episode:
       happiness AU12 (two-sided) + 1/2 AU6; contempt a one-sided AU12/AU14; disgust the lip raise (AU9/AU10) beyond
       what the smile explains (a broad AU12 raises the upper lip too) + AU4 (AU9 also lowers the brows), only when
       the lip raise is at least as large as the brow lowering; sadness AU15 or the sad brow; fear AU1+AU2+AU4 (AU4
       at least 0.7 x the brow raise) + 1/2 AU5/AU20; surprise AU1+AU2 with AU4 under 0.7 x the raise, or AU5+AU26
       (eyes wide, jaw dropped); anger AU4 with the brows not raised (AU1/AU2 under half of AU4) + 1/2 AU7;
    3. no core present: ``unclear``.

    A face that already smiles (``level``): the local floor the rises are measured from holds the smile, so what
    moves inside a held smile or laugh -- the squint tightening or relaxing (AU5 / AU6 / AU7), the mouth opening,
    stretching or pressing -- is all the rises show, and step 2 would name it from those (s32's laugh: AU5 / AU20 /
    AU4, anger). So after step 1 (crying and the sad brow stay sadness), when both lip corners are raised at the
    apex against the person's neutral (``level`` of ``au12_l`` and ``au12_r`` each >= ``PRESENT``) the episode is
    **happiness**, unless a movement no smile makes (``NOT_SMILE``: a brow AU1 / AU2 / AU4, or AU15) crossed its own
    threshold (``moved`` >= 1; one that only came along, 0.6-1, does not count), or step 2 named it from the smile's
    own rise (happiness) or a one-sided lip corner (contempt). A brow lowered or raised while smiling thus keeps its
    own name. ``duchenne`` then also counts AU6's level at the apex (>= 0.1): the cheeks raised with the smile.

    While the person talks (the spotter passes ``at_apex`` then), the lower face swings with speech by 0.2-0.6 on the
    AU scale, so a lower-face AU's peak rise over the episode mostly tells what the words did: a lower-face AU that
    did not move takes part only if it was still raised by ``PRESENT`` at the episode's apex (``at_apex``), the
    moment the expression peaked. Its score stays its peak rise.

    Args:
        moved: AU name -> strength (peak activation in units of its threshold, >= ~0.6 means it moved).
        laterality: AU name -> "left" | "right" | "both" for the sided AUs (au01, au02, au12, au14).
        rise: AU name -> peak rise above its floor in AU units (0..1). Without it the strengths in ``moved``
            stand in (only the ratios between AUs matter then).
        eyes_closed: share of the episode with the eyes closed (``blink`` > 0.5), 0..1.
        at_apex: AU name -> rise above its floor at the episode's apex in AU units; given while talking (see above).
        level: AU name (``au12_l``, ``au12_r``, ``au06``) -> its level at the apex against the person's neutral (the
            signal's own column, not minus the floor); the spotter leaves it out when AU12 rose as a counter-movement
            (a smile cutting another expression off is not a smiling face).
    Returns:
        (emotion or "unclear", flags) with flags among duchenne, social, upper_face, lower_face, partial.
    """
    has = set(moved)
    flags: list[str] = []
    up = has & set(UPPER)
    low = has & set(LOWER)
    if up and not low:
        flags.append("upper_face")
    elif low and not up:
        flags.append("lower_face")
    r = moved if rise is None else rise
    present = has | {a for a, v in r.items() if v >= PRESENT and _at_apex(a, at_apex)}

    def s(a: str) -> float:
        return r.get(a, 0.0) if a in present else 0.0

    def m(a: str) -> float:
        return moved.get(a, 0.0)

    def sided(a: str) -> bool:
        return laterality.get(a, "both") != "both"

    lv = level or {}
    smiling = min(lv.get("au12_l", 0.0), lv.get("au12_r", 0.0)) >= PRESENT
    emotion = _name(s, m, sided, has, eyes_closed, smiling)
    if emotion in ("happiness", "contempt") and "upper_face" in flags:
        flags.remove("upper_face")  # named from the mouth corners' rise (while talking it may not pass "moved")
    if emotion == "happiness":
        cheeks = m("au06") >= 0.6 or r.get("au06", 0.0) >= 0.1 or (smiling and lv.get("au06", 0.0) >= 0.1)
        flags.append("duchenne" if cheeks else "social")
    elif emotion == "contempt" and "au12" in present:
        flags.append("social")
    elif emotion in _FULL and len(present & set(PROTOTYPES[emotion])) < _FULL[emotion]:
        flags.append("partial")
    return emotion, tuple(flags)


def _at_apex(a: str, at_apex: dict[str, float] | None) -> bool:
    """Whether a lower-face AU (not moved) was still raised at the apex: always true when not talking (no
    ``at_apex``) and for the upper face."""
    return at_apex is None or a not in LOWER or at_apex.get(a, 0.0) >= PRESENT


_FULL = {"sadness": 3, "fear": 4, "surprise": 3, "anger": 3, "disgust": 2}
"""How many AUs of the prototype make a full (not ``partial``) form."""


def _name(s, m, sided, has: set[str], eyes_closed: float, smiling: bool = False) -> str:
    """The emotion (see :func:`name_expression`). ``s``: an AU's rise if it is present, else 0; ``m``: its strength
    in threshold units; ``sided``: whether a sided AU moved on one side only; ``smiling``: both lip corners raised
    at the apex against the neutral."""
    brow = m("au04") + 0.5 * m("au01") if "au02" not in has or m("au04") > m("au02") else 0.0
    if "au04" in has and (eyes_closed >= 0.4 or "au15" in has) and brow >= 0.5 * max(m(a) for a in has):
        return "sadness"  # crying
    s1, s2, s4, s5, s12 = s("au01"), s("au02"), s("au04"), s("au05"), s("au12")
    raise_ = max(s1, s2)
    sad_brow = min(s1, s4) if s2 < s1 else 0.0
    if sad_brow > 0 and max(s("au06"), s("au07")) > s5:
        return "sadness"  # the sad brow with narrowed eyes: crying, even when the mouth stretches
    lip = max(s("au09"), s("au10"))
    score: dict[str, float] = {}
    if s12 > 0 and not sided("au12"):
        score["happiness"] = s12 + 0.5 * s("au06")
    one = max([s(a) for a in ("au12", "au14") if sided(a)] or [0.0])
    if one > 0:
        score["contempt"] = one
    if lip > 0 and lip >= s4:
        score["disgust"] = max(lip - s12, 0.0) + s4
    if max(s("au15"), sad_brow) > 0:
        score["sadness"] = max(s("au15"), sad_brow)
    if min(s1, s2, s4) > 0 and s4 >= 0.7 * raise_:
        score["fear"] = min(s1, s2, s4) + 0.5 * max(s5, s("au20"))
    surprise = max(min(s1, s2) if s4 < 0.7 * raise_ else 0.0, min(s5, s("au26")))
    if surprise > 0:
        score["surprise"] = surprise
    if s4 > 0 and raise_ < 0.5 * s4:
        score["anger"] = s4 + 0.5 * s("au07")
    best = max(score, key=score.get) if score else "unclear"
    if smiling and best not in ("happiness", "contempt") and all(m(a) < 1.0 for a in NOT_SMILE):
        return "happiness"  # a movement inside a held smile or laugh: the squint, the mouth (see name_expression)
    return best
