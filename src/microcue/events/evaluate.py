"""Scoring spotted expression events against a truth table, as the MEGC spotting protocol does.

A prediction matches a truth interval when their intersection over union is >= ``iou`` (0.5); each truth is matched
at most once and each prediction at most once (greedy by IoU, highest first). Only expression predictions (kind
micro / macro) are scored against truth rows of kind micro / macro; micro and macro scores go by the truth's kind
(a predicted macro that matches a micro truth is a micro hit).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from pathlib import Path

from microcue.events.types import EXPRESSION_KINDS, KINDS, ExpressionEvent


def _prf(tp: int, n_pred: int, n_true: int) -> dict:
    p = tp / n_pred if n_pred else (1.0 if n_true == 0 else 0.0)
    r = tp / n_true if n_true else (1.0 if n_pred == 0 else 0.0)
    f = 2 * p * r / (p + r) if p + r > 0 else 0.0
    return {
        "precision": round(p, 4),
        "recall": round(r, 4),
        "f1": round(f, 4),
        "tp": tp,
        "n_pred": n_pred,
        "n_true": n_true,
    }


def _iou(a0: float, a1: float, b0: float, b1: float) -> float:
    inter = max(0.0, min(a1, b1) - max(a0, b0))
    union = max(a1, b1) - min(a0, b0)
    return inter / union if union > 0 else 0.0


KIND_ALIASES = {"micro-expression": "micro", "microexpression": "micro", "macro-expression": "macro",
                "macroexpression": "macro"}
"""How some datasets spell the two expression kinds (CAS(ME)^2 writes "micro-expression")."""


def read_truth(path: str | Path, participant: str | None = None) -> list[dict]:
    """Truth rows from a CSV with columns onset_s, offset_s, kind and optional emotion, participant, apex_s.

    Every row is checked before anything is scored: the kind is one of ``KINDS`` (any case; "micro-expression"
    and the like are read as micro / macro), onset and offset are numbers with offset after onset, an apex (where
    given) is a number. A file that is not such a CSV, or a bad row, is an ``InvalidInputError`` naming it.
    Emotions are lower-cased and common spellings mapped to ``EMOTIONS`` (happy -> happiness, ...); any other
    label (a dataset's "others", "repression") is kept as it is and can only count as a wrong name.
    """
    import pandas as pd

    from microcue.errors import InputNotFoundError, InvalidInputError
    from microcue.signals.emotions import EMOTION_ALIASES

    path = Path(path)
    if not path.is_file():
        raise InputNotFoundError(f"truth file not found: {path}")
    try:
        df = pd.read_csv(path)
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        reason = "empty" if isinstance(exc, pd.errors.EmptyDataError) else "not a text CSV"
        raise InvalidInputError(f"{path}: not a truth CSV ({reason}; needs onset_s,offset_s,kind)") from None
    missing = {"onset_s", "offset_s", "kind"} - set(df.columns)
    if missing:
        raise InvalidInputError(f"{path}: truth CSV lacks columns {sorted(missing)} (needs onset_s,offset_s,kind)")
    if participant is not None and "participant" in df.columns:
        df = df[df["participant"].astype(str) == str(participant)]
    rows = []
    for line, r in zip(df.index + 2, df.to_dict("records")):
        where = f"{path} row {line}"
        try:
            onset, offset = float(r["onset_s"]), float(r["offset_s"])
        except (TypeError, ValueError):
            raise InvalidInputError(f"{where}: onset_s and offset_s must be numbers, got {r['onset_s']!r}, "
                                    f"{r['offset_s']!r}") from None
        if not (math.isfinite(onset) and math.isfinite(offset)) or offset <= onset:
            raise InvalidInputError(f"{where}: offset_s ({offset}) must come after onset_s ({onset})")
        kind = str(r["kind"]).strip().lower()
        kind = KIND_ALIASES.get(kind.replace("_", "-").replace(" ", "-"), kind)
        if kind not in KINDS:
            raise InvalidInputError(f"{where}: kind {r['kind']!r} is not one of {', '.join(KINDS)}")
        emo = r.get("emotion")
        emo = None if emo is None or (isinstance(emo, float) and math.isnan(emo)) or str(emo).strip() == "" else (
            str(emo).strip().lower())
        emo = EMOTION_ALIASES.get(emo, emo) if emo is not None else None
        apex = r.get("apex_s")
        apex = None if apex is None or (isinstance(apex, float) and math.isnan(apex)) else apex
        if apex is not None:
            try:
                apex = float(apex)
            except (TypeError, ValueError):
                raise InvalidInputError(f"{where}: apex_s must be a number, got {apex!r}") from None
        rows.append({"onset_s": onset, "offset_s": offset, "kind": kind, "emotion": emo, "apex_s": apex,
                     "participant": r.get("participant")})
    return rows


def match(events: Iterable[ExpressionEvent], truth: list[dict], *, iou: float = 0.5) -> list[tuple[int, int, float]]:
    """Greedy one-to-one matching: (event index, truth index, IoU) pairs with IoU >= ``iou``."""
    events = list(events)
    pairs = []
    for i, e in enumerate(events):
        for j, t in enumerate(truth):
            v = _iou(e.onset_s, e.offset_s, t["onset_s"], t["offset_s"])
            if v >= iou:
                pairs.append((v, i, j))
    pairs.sort(reverse=True)
    used_e, used_t, out = set(), set(), []
    for v, i, j in pairs:
        if i in used_e or j in used_t:
            continue
        used_e.add(i)
        used_t.add(j)
        out.append((i, j, v))
    return out


def evaluate_spotting(
    events: Iterable[ExpressionEvent],
    truth_csv_path: str | Path,
    *,
    duration_s: float,
    participant: str | None = None,
    iou: float = 0.5,
) -> dict:
    """Score spotted events against a truth CSV (MEGC protocol, IoU >= 0.5, each truth matched once).

    Args:
        events: spotter output (non-expression kinds are ignored).
        truth_csv_path: CSV with onset_s, offset_s, kind (micro|macro) and optional emotion, participant, apex_s.
        duration_s: length of the scored footage (for false alarms per minute).
        participant: score only this participant's events and truth rows (truth rows without a participant
            column count for everyone).
    Returns:
        dict with precision, recall, f1, micro {precision, recall, f1, ...}, macro {...}, onset_error_s,
        apex_error_s (mean absolute, over matched events; None when nothing matched / no apex in the truth),
        false_alarms_per_min, emotion_accuracy (None when the truth has no emotion; "unclear" counts wrong),
        n_true, n_pred, tp, iou, duration_s.
    """
    truth = [t for t in read_truth(truth_csv_path, participant) if t["kind"] in EXPRESSION_KINDS]
    return score(events, truth, duration_s=duration_s, participant=participant, iou=iou)


def score(
    events: Iterable[ExpressionEvent],
    truth: list[dict],
    *,
    duration_s: float,
    participant: str | None = None,
    iou: float = 0.5,
) -> dict:
    """:func:`evaluate_spotting` on truth rows already read (dicts as :func:`read_truth` makes)."""
    preds = [e for e in events if e.kind in EXPRESSION_KINDS and (participant is None or e.participant == participant)]
    pairs = match(preds, truth, iou=iou)
    res = _prf(len(pairs), len(preds), len(truth))
    for kind in EXPRESSION_KINDS:
        tj = [j for j, t in enumerate(truth) if t["kind"] == kind]
        hits = [(i, j) for i, j, _ in pairs if truth[j]["kind"] == kind]
        matched_pred = {i for i, _, _ in pairs}
        # predictions of this kind that matched nothing are this kind's false positives
        fp = sum(1 for i, e in enumerate(preds) if e.kind == kind and i not in matched_pred)
        res[kind] = _prf(len(hits), len(hits) + fp, len(tj))
    on = [abs(preds[i].onset_s - truth[j]["onset_s"]) for i, j, _ in pairs]
    ap = [abs(preds[i].apex_s - truth[j]["apex_s"]) for i, j, _ in pairs if truth[j]["apex_s"] is not None]
    res["onset_error_s"] = round(sum(on) / len(on), 4) if on else None
    res["apex_error_s"] = round(sum(ap) / len(ap), 4) if ap else None
    res["offset_error_s"] = (
        round(sum(abs(preds[i].offset_s - truth[j]["offset_s"]) for i, j, _ in pairs) / len(pairs), 4)
        if pairs
        else None
    )
    fa = len(preds) - len(pairs)
    res["false_alarms"] = fa
    res["false_alarms_per_min"] = round(fa / (duration_s / 60.0), 3) if duration_s > 0 else None
    emo = [(preds[i].emotion, truth[j]["emotion"]) for i, j, _ in pairs if truth[j]["emotion"]]
    res["emotion_accuracy"] = round(sum(p == t for p, t in emo) / len(emo), 4) if emo else None
    res["n_emotion_scored"] = len(emo)
    res["iou"] = iou
    res["duration_s"] = duration_s
    return res


def format_report(result: dict) -> str:
    """A short human-readable report of :func:`evaluate_spotting`'s result."""

    def f(v, unit=""):
        return "n/a" if v is None else f"{v:.3f}{unit}"

    lines = [
        (
            f"spotting (IoU >= {result.get('iou', 0.5)}): {result['tp']} of {result['n_true']} true episodes "
            f"found, {result['n_pred']} predicted"
        ),
        f"  overall  precision {f(result['precision'])}  recall {f(result['recall'])}  f1 {f(result['f1'])}",
    ]
    for k in EXPRESSION_KINDS:
        r = result[k]
        lines.append(
            f"  {k:<7}  precision {f(r['precision'])}  recall {f(r['recall'])}  f1 {f(r['f1'])}  "
            f"({r['tp']}/{r['n_true']} true, {r['n_pred']} predicted)"
        )
    lines.append(
        f"  timing   onset error {f(result['onset_error_s'], ' s')}  apex error {f(result['apex_error_s'], ' s')}"
    )
    lines.append(
        f"  false alarms {result['false_alarms']} ({f(result['false_alarms_per_min'])} per min over "
        f"{result['duration_s']:.1f} s)"
    )
    ea = result["emotion_accuracy"]
    lines.append(
        "  emotion accuracy "
        + (
            "n/a (no matched event whose truth has an emotion)"
            if ea is None
            else f"{ea:.3f} over {result['n_emotion_scored']} matched events"
        )
    )
    return "\n".join(lines)
