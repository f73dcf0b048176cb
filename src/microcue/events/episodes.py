"""One face region's episode tracker (upper face or lower face): floors, noise thresholds, hysteresis, boundaries.

Internal to EventSpotter. It takes the AU vector of each row and returns finished episode summaries (dicts).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from microcue.events.artic import ArticModel
from microcue.events.emfacs import ANTAGONISTS

CHANNELS = (
    "au01",
    "au02",
    "au04",
    "au05",
    "au06",
    "au07",
    "au09",
    "au10",
    "au12",
    "au14",
    "au15",
    "au17",
    "au20",
    "au23",
    "au24",
    "au26",
    "au04g",
    "au07g",
)
"""AU columns whose rise can start an episode. Blink (au45), eyes closed (au43), lips apart (au25) and the
speech-shaped lip columns (au16, au18, au22, au27, au28) never do."""
SUPPORT = ("au26",)
"""Counted when naming an episode (jaw drop in surprise) but never start or hold one: speech opens the jaw."""
SIDES = ("au01_l", "au01_r", "au02_l", "au02_r", "au12_l", "au12_r", "au14_l", "au14_r")
ALIAS = {"au04g": "au04", "au07g": "au07"}
UPPER_CH = ("au01", "au02", "au04", "au05", "au06", "au07", "au04g", "au07g")
EYE = ("au05", "au06", "au07", "au07g")

ALL = CHANNELS + SIDES
NCH = len(CHANNELS)
IDX = {a: i for i, a in enumerate(ALL)}
EYE_IDX = [IDX[a] for a in EYE]
LOWER_MASK = np.array([a not in UPPER_CH for a in CHANNELS])
SPEECH_ADJ = np.array([a not in UPPER_CH and not a.startswith(("au01", "au02")) for a in ALL])
"""Columns from which the part explained by the lip gap (mouth_open) is removed: talking opens and closes it."""
_CH_IDX = {a: i for i, a in enumerate(CHANNELS)}
_ANT = [
    (i, [_CH_IDX[m] for m, ants in ANTAGONISTS.items() if ALIAS.get(a, a) in ants and m in _CH_IDX])
    for i, a in enumerate(CHANNELS)
]


class Region:
    """Episodes of one region. ``mask``: which CHANNELS may start / hold an episode here."""

    def __init__(self, p, mask: np.ndarray) -> None:
        self.p = p  # the EventSpotter: its tuning parameters
        self.mask = mask
        self.reset()

    def reset(self) -> None:
        self.floor_ = np.zeros(len(ALL))
        self.beta_ = np.zeros(len(ALL))
        self.mo_ref_ = 0.0
        self.mo_spread_ = 0.0  # q90 - q10 of the lip gap over the calm window (how much this person's jaw moves)
        self.calm_: deque[tuple[float, np.ndarray, float]] = deque()
        self.all_: deque[tuple[float, np.ndarray]] = deque()  # every reliable row (noise level), noise_window_s
        self.thr_base_ = np.full(NCH, self.p.min_activation)
        self.thr_t_ = -math.inf
        self.prev_: tuple[float, float] | None = None
        self.pre_: deque[tuple[float, float]] = deque()
        self.ep_: dict | None = None
        # the lower-face channels measured also on their articulation residual while talking (``artic`` option)
        self.res_idx_ = np.array([_CH_IDX[a] for a in self.p.artic_aus if _CH_IDX.get(a, -1) >= 0], dtype=int)
        lower = self.res_idx_.size > 0 and bool(self.mask[self.res_idx_].any())
        self.art_ = None
        if self.p.artic and lower:
            self.art_ = ArticModel(self.p.artic_window_s, self.p.artic_min_s, self.p.noise_quantile)
        self.art_t_ = -math.inf

    def gap(self, final: bool) -> list[dict]:
        """A gap in the rows: confirm an episode whose activity had ended, drop one still active (the face left).
        The end of the stream (``final``): an episode still active ends at the last row."""
        ep, self.ep_ = self.ep_, None
        out = []
        if ep is not None and ep["end_cross"] is None and final and self.prev_ is not None:
            ep["end_cross"] = ep["offset"] = self.prev_[0]  # still on at the end of the recording: ends there
        if ep is not None and ep["end_cross"] is not None:
            if ep["offset"] is None:
                ep["offset"] = ep["end_cross"]
            out = [self._summary(ep)]
        self.prev_ = None
        self.pre_.clear()
        if not final:
            self.all_.clear()
            self.calm_.clear()  # the face may come back under other light / pose: learn its level again
            if self.art_ is not None:
                self.art_.clear()
            self.thr_t_ = -math.inf
        return out

    @property
    def warm(self) -> bool:
        return len(self.calm_) >= 2 and self.calm_[-1][0] - self.calm_[0][0] >= self.p.warmup_s

    def _calm(self, t: float, x: np.ndarray, mo: float) -> None:
        self.calm_.append((t, x.copy(), mo))
        while self.calm_ and self.calm_[0][0] < t - self.p.noise_window_s:
            self.calm_.popleft()
        if t - self.thr_t_ >= 0.25 or len(self.calm_) < 8:
            arr = np.array([v for _, v, _ in self.calm_])
            times = np.array([u for u, _, _ in self.calm_])
            mos = np.array([m for _, _, m in self.calm_])
            if self.p.speech_regress and len(mos) >= 8 and np.var(mos) > 1e-8:
                mc = mos - mos.mean()
                beta = (mc @ (arr - arr.mean(0))) / (mc @ mc)
                self.beta_ = np.where(SPEECH_ADJ, np.clip(beta, 0.0, 5.0), 0.0)
            self.mo_ref_ = float(np.median(mos))
            self.mo_spread_ = float(np.quantile(mos, 0.9) - np.quantile(mos, 0.1)) if len(mos) >= 8 else 0.0
            arr = arr - np.outer(mos - self.mo_ref_, self.beta_)
            self.floor_ = np.median(arr[times >= t - self.p.floor_window_s], axis=0)
            if self.p.noise_from_all and len(self.all_) >= 8:
                arr = np.array([v for _, v in self.all_])
            resid = arr[:, :NCH] - self.floor_[:NCH]
            q = np.quantile(resid, self.p.noise_quantile, axis=0)
            self.thr_base_ = np.maximum(self.p.min_activation, self.p.on_factor * q)
            self.thr_t_ = t

    def update(
        self,
        t: float,
        dt: float,
        x: np.ndarray,
        mo: float,
        reliable: bool,
        speech: float,
        blink_recent: bool,
        art: np.ndarray | None = None,
    ) -> list[dict]:
        p = self.p
        if reliable:
            self.all_.append((t, x - self.beta_ * (mo - self.mo_ref_)))
            while self.all_ and self.all_[0][0] < t - p.noise_window_s:
                self.all_.popleft()
        act = np.maximum(x - self.beta_ * (mo - self.mo_ref_) - self.floor_, 0.0)
        thr = np.where(LOWER_MASK, self.thr_base_ * (1.0 + p.speech_gain * speech), self.thr_base_)
        z = act[:NCH] / thr
        am = self.art_
        if am is not None and am.ready and speech > 0 and art is not None and am.covers(art):
            # while talking, a lower-face AU also counts by what the articulation does not explain
            ri = self.res_idx_
            r = np.maximum(am.resid(art, x[ri]), 0.0)
            thr_r = np.maximum(p.min_activation, p.on_factor * am.noise_) * (1.0 + p.artic_gain * speech)
            zr = r / thr_r
            if p.artic_raw > 0:
                # and the AU itself rose above its floor by artic_raw x its calm threshold
                zr = np.minimum(zr, act[ri] / (p.artic_raw * self.thr_base_[ri]))
            z[ri] = np.maximum(z[ri], zr)
        s = float(np.max(z[self.mask])) if reliable else (self.prev_[1] if self.prev_ else 0.0)
        ep = self.ep_
        if ep is None:
            if reliable and s >= 1.0 and self.warm and self.prev_ is not None:
                self.ep_ = {
                    "pre": list(self.pre_) + [self.prev_],
                    "rise": [(t, s)],
                    "apex": (t, s),
                    "apex3": [self.prev_, (t, s), None],
                    "zmax": z.copy(),
                    "side": act[NCH:].copy(),
                    "end_cross": None,
                    "offset": None,
                    "speech": speech * dt,
                    "reliable": dt,
                    "dur": dt,
                    "talk": self.p.talk_ * dt,
                    "closed": self.p.closed_ * dt,
                    "mo_lo": mo,
                    "mo_hi": mo,
                    "mo_spread": self.mo_spread_,
                    "antag": set(),
                    "apex_z": z.copy(),
                    "apex_act": act[:NCH].copy(),
                    "apex_side": act[NCH:].copy(),
                    "apex_x": x.copy(),
                    "blink": blink_recent,
                    "amax": act[:NCH].copy(),
                }
            else:
                if reliable:
                    self._calm(t, x, mo)
                    if am is not None and art is not None:  # every calm row: fitted sooner than on talking rows alone
                        am.add(t, art, x[self.res_idx_])
                        if t - self.art_t_ >= 0.25:
                            am.refit()
                            self.art_t_ = t
                self.pre_.append((t, s))
                while self.pre_ and self.pre_[0][0] < t - 1.0:
                    self.pre_.popleft()
            self.prev_ = (t, s)
            return []
        if reliable and t - ep["rise"][0][0] > p.absorb_s:
            self._calm(t, x, mo)  # held for so long that it is the new resting face
        ep["dur"] += dt
        ep["blink"] = ep["blink"] or blink_recent
        ep["speech"] += speech * dt
        ep["talk"] += self.p.talk_ * dt
        ep["closed"] += self.p.closed_ * dt
        if reliable:
            ep["mo_lo"], ep["mo_hi"] = min(ep["mo_lo"], mo), max(ep["mo_hi"], mo)
        ep["reliable"] += dt if reliable else 0.0
        if ep["apex3"][2] is None and ep["apex3"][1][0] < t:
            ep["apex3"][2] = (t, s)
        if s > ep["apex"][1] and reliable:
            ep["apex"] = (t, s)
            ep["apex3"] = [self.prev_, (t, s), None]
            ep["apex_z"] = z.copy()
            ep["apex_act"] = act[:NCH].copy()
            ep["apex_side"] = act[NCH:].copy()
            ep["apex_x"] = x.copy()
            ep["antag"] = set()
        if t - ep["rise"][0][0] <= 2.0:
            ep["rise"].append((t, s))
        if reliable:
            ep["zmax"] = np.maximum(ep["zmax"], z)
            ep["amax"] = np.maximum(ep["amax"], act[:NCH])
            ep["side"] = np.maximum(ep["side"], act[NCH:])
            if ep["apex"][0] < t:  # falling phase: watch for a counter-movement
                for i, mains in _ANT:
                    if (
                        z[i] >= 1.0
                        and ep["apex_z"][i] < 0.3
                        and any(ep["apex_z"][m] >= 1.0 and z[m] < 0.5 * ep["apex_z"][m] for m in mains)
                    ):
                        ep["antag"].add(ALIAS.get(CHANNELS[i], CHANNELS[i]))
        level = max(p.boundary_frac * ep["apex"][1], 0.25)
        end_level = max(p.off_ratio, level)
        prev_t, prev_s = self.prev_ if self.prev_ is not None else (t, s)
        if ep["end_cross"] is None:
            if s < end_level:
                ep["end_cross"] = _cross(prev_t, prev_s, t, s, end_level)
                if s < level:
                    ep["offset"] = _cross(prev_t, prev_s, t, s, level)
        elif s >= 1.0 and reliable:  # activity resumed: same episode
            ep["end_cross"] = None
            ep["offset"] = None
        elif ep["offset"] is None and s < level:
            ep["offset"] = _cross(prev_t, prev_s, t, s, level)
        self.prev_ = (t, s)
        out = []
        ec = ep["end_cross"]
        if ec is not None:
            done = ep["offset"] is not None and t >= ep["offset"] + p.merge_gap_s and t >= ec + p.merge_gap_s
            if not done and t >= ec + p.max_wait_s:
                if ep["offset"] is None:
                    ep["offset"] = ec
                done = True
            if done:
                out.append(self._summary(ep))
                self.ep_ = None
                self.pre_.clear()
                self.pre_.append((t, s))
        return out

    def _summary(self, ep: dict) -> dict:
        apex_t, apex_s = _parabolic(ep["apex3"], ep["apex"])
        level = max(self.p.boundary_frac * ep["apex"][1], 0.25)
        seq = ep["pre"] + ep["rise"]
        k0 = len(ep["pre"])
        onset = seq[0][0]
        if seq[k0][1] >= level:
            j = k0
            while j > 0 and seq[j - 1][1] >= level:
                j -= 1
            if j > 0:
                onset = _cross(seq[j - 1][0], seq[j - 1][1], seq[j][0], seq[j][1], level)
        else:
            j = k0
            while j < len(seq) - 1 and seq[j][1] < level:
                j += 1
            onset = _cross(seq[j - 1][0], seq[j - 1][1], seq[j][0], seq[j][1], level) if j > 0 else seq[j][0]
        offset = float(ep["offset"])
        apex_t = min(max(apex_t, onset), offset)
        onset = min(onset, apex_t)
        return {
            "onset": onset,
            "apex": apex_t,
            "offset": offset,
            "strength": apex_s,
            "zmax": ep["zmax"],
            "amax": ep["amax"],
            "side": ep["side"],
            "apex_act": ep["apex_act"],
            "apex_side": ep["apex_side"],
            "apex_x": ep["apex_x"],
            "antag": set(ep["antag"]),
            "blink": ep["blink"],
            "speech": ep["speech"],
            "reliable": ep["reliable"],
            "dur": ep["dur"],
            "talk": ep["talk"],
            "closed": ep["closed"],
            "jaw": (ep["mo_hi"] - ep["mo_lo"]) / max(ep["mo_spread"], 1e-3),
        }


def merge(a: dict, b: dict) -> dict:
    """One episode from two overlapping region episodes (upper + lower face moving together)."""
    top = a if a["strength"] >= b["strength"] else b
    return {
        "onset": min(a["onset"], b["onset"]),
        "apex": top["apex"],
        "offset": max(a["offset"], b["offset"]),
        "strength": top["strength"],
        "zmax": np.maximum(a["zmax"], b["zmax"]),
        "amax": np.maximum(a["amax"], b["amax"]),
        "side": np.maximum(a["side"], b["side"]),
        "apex_act": np.maximum(a["apex_act"], b["apex_act"]),
        "apex_side": _pairs_at_apex(a["apex_side"], b["apex_side"]),
        "apex_x": top["apex_x"],
        "antag": a["antag"] | b["antag"],
        "blink": a["blink"] or b["blink"],
        "speech": a["speech"] + b["speech"],
        "reliable": a["reliable"] + b["reliable"],
        "dur": a["dur"] + b["dur"],
        "closed": a["closed"] + b["closed"],
        "talk": a["talk"] + b["talk"],
        "jaw": max(a["jaw"], b["jaw"]),
    }


def _pairs_at_apex(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Both sides of each sided AU at an apex, from the episode in which that AU was raised more there (the two
    sides stay from one moment, so their asymmetry is that moment's)."""
    out = a.copy()
    for k in range(0, len(SIDES), 2):
        if b[k] + b[k + 1] > a[k] + a[k + 1]:
            out[k : k + 2] = b[k : k + 2]
    return out


def iou(a: dict, b: dict) -> float:
    inter = max(0.0, min(a["offset"], b["offset"]) - max(a["onset"], b["onset"]))
    union = max(a["offset"], b["offset"]) - min(a["onset"], b["onset"])
    return inter / union if union > 0 else 0.0


def _cross(t0: float, s0: float, t1: float, s1: float, level: float) -> float:
    """Time where the line through (t0, s0), (t1, s1) crosses ``level`` (clamped to [t0, t1])."""
    if s1 == s0:
        return t1
    f = (level - s0) / (s1 - s0)
    return float(t0 + min(max(f, 0.0), 1.0) * (t1 - t0))


def _parabolic(three, apex) -> tuple[float, float]:
    """Apex time and value from a parabola through the peak row and its neighbours (non-uniform times)."""
    a, b, c = three
    if a is None or c is None:
        return apex
    (t0, y0), (t1, y1), (t2, y2) = a, b, c
    den = (t0 - t1) * (t0 - t2) * (t1 - t2)
    if den == 0:
        return apex
    qa = (t2 * (y1 - y0) + t1 * (y0 - y2) + t0 * (y2 - y1)) / den
    qb = (t2 * t2 * (y0 - y1) + t1 * t1 * (y2 - y0) + t0 * t0 * (y1 - y2)) / den
    if qa >= 0:
        return apex
    tv = -qb / (2 * qa)
    if not (t0 <= tv <= t2):
        return apex
    qc = y1 - qa * t1 * t1 - qb * t1
    return float(tv), float(qa * tv * tv + qb * tv + qc)
