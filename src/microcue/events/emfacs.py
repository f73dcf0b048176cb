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


def name_expression(moved: dict[str, float], laterality: dict[str, str], rise: dict[str, float] | None = None,
                    eyes_closed: float = 0.0) -> tuple[str, tuple[str, ...]]:
    """Emotion and flags from the AUs that moved.

    Args:
        moved: AU name -> strength (peak activation in units of its threshold, >= ~0.6 means it moved).
        laterality: AU name -> "left" | "right" | "both" for the sided AUs (au01, au02, au12, au14).
        rise: AU name -> peak rise above its floor in AU units (0..1), when known. Used for the two patterns the
            threshold-relative strengths get wrong: a laugh (AU12 the largest lower-face rise, AU10/AU9/AU25 pulled
            along by the broad mouth) is happiness, not disgust; crying (brows lowered / inner brows up, with the
            eyes squeezed shut or the lip corners down, AU15) is sadness, even when the stretched mouth reads as
            AU12. AU12 names a smile only when it is at least as strong as the brow raise (AU1/AU2).
        eyes_closed: share of the episode with the eyes closed (``blink`` > 0.5), 0..1.
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

    def strong(a: str) -> float:
        return moved.get(a, 0.0)

    one_sided = [a for a in ("au12", "au14") if a in has and laterality.get(a, "both") != "both"]
    emotion = "unclear"
    r = rise or {}
    low_top = max([r.get(a, 0.0) for a in LOWER if a != "au26"] or [0.0])
    brow = strong("au04") + 0.5 * strong("au01") if "au02" not in has or strong("au04") > strong("au02") else 0.0
    crying = "au04" in has and (eyes_closed >= 0.4 or "au15" in has) and brow >= 0.5 * max(moved.values())
    # a smile names the episode only when AU12 is not dominated by a brow raise (a conversational brow raise that
    # pulls a small AU12 along is not happiness)
    smile_leads = strong("au12") >= max(strong("au01"), strong("au02"))
    laugh = (r.get("au12", 0.0) >= 0.15 and r.get("au12", 0.0) >= 0.7 * low_top and not one_sided
             and strong("au04") < max(strong("au12"), 1.0) and smile_leads
             and (strong("au12") >= 0.3 * max(moved.values()) or r.get("au12", 0.0) >= 0.3))
    if crying:
        emotion = "sadness"
        if not {"au01", "au04", "au15"} <= has:
            flags.append("partial")
    elif laugh:
        if "upper_face" in flags:
            flags.remove("upper_face")
        emotion = "happiness"
        flags.append("duchenne" if strong("au06") >= 0.6 or r.get("au06", 0.0) >= 0.1 else "social")
    elif "au12" in has and not one_sided and smile_leads:
        emotion = "happiness"
        flags.append("duchenne" if strong("au06") >= 0.6 else "social")
    elif one_sided and not ({"au15", "au04"} & has and strong("au15") + strong("au04") > strong("au12")):
        emotion = "contempt"
        if "au12" in has:
            flags.append("social")
    elif "au14" in has and "au12" not in has and not one_sided:
        emotion = "contempt" if strong("au14") > 1.5 else "unclear"
    elif {"au09", "au10"} & has and strong("au09") + strong("au10") >= max(strong("au04"), strong("au01")):
        emotion = "disgust"
        if not {"au09", "au10"} <= has:
            flags.append("partial")
    elif "au15" in has or ({"au01", "au04"} <= has and "au02" not in has):
        emotion = "sadness"
        if not {"au01", "au04", "au15"} <= has:
            flags.append("partial")
    elif {"au01", "au02", "au04"} <= has or ({"au20"} & has and {"au01", "au02"} & has):
        emotion = "fear"
        if len(has & set(PROTOTYPES["fear"])) < 4:
            flags.append("partial")
    elif {"au01", "au02"} & has and "au04" not in has:
        emotion = "surprise"
        if len(has & set(PROTOTYPES["surprise"])) < 3:
            flags.append("partial")
    elif "au04" in has or ({"au23", "au24"} & has and "au07" in has):
        emotion = "anger"
        if len(has & set(PROTOTYPES["anger"])) < 3:
            flags.append("partial")
    elif "au26" in has and "au05" in has:
        emotion = "surprise"
        flags.append("partial")
    return emotion, tuple(flags)
