"""Seller self-coaching cues (private: only in the local store, shown only with --self-coaching) and the
cycle of disconnect (a buyer's doubt and what the seller did next)."""

from __future__ import annotations

import numpy as np

from microcue.cues import buyer
from microcue.cues.words import acknowledges, clock, is_question, n_words, question_then_more, turns, wpm

TENSION_LEVEL, TENSION_MIN_S = 0.3, 2.0
RUSH_WPM, RUSH_RISE, RUSH_MIN_S, RUSH_MIN_WORDS = 170.0, 1.15, 3.0, 8
MONOLOGUE_S = 90.0
NO_SPACE_S = 2.0
INTERRUPT_OVERLAP_S = 0.3
CYCLE_WINDOW_S, CYCLE_PAUSE_S = 15.0, 2.0
TIMING_TRUST = 0.9  # transcript times are approximate (cue boundaries, rounding)


def _margin(value: float, threshold: float, full: float) -> float:
    """0.5 at the threshold rising to 1.0 at ``full``: how clearly a measured value passed its threshold."""
    return 0.5 + 0.5 * float(np.clip((value - threshold) / max(full - threshold, 1e-9), 0.0, 1.0))


def self_coaching(ctx, pid: str) -> list:
    out = _tension(ctx, pid)
    out += buyer.incongruence(ctx, pid, "seller_incongruence")
    speakers = {s for s, p in ctx.participant_of.items() if p == pid}
    if speakers:
        mine = ctx.speaker_utterances(speakers)
        out += _rushing(ctx, pid, mine)
        out += _monologue(ctx, pid, speakers)
        out += _no_space(ctx, pid, speakers)
        out += _interruptions(ctx, pid, speakers, mine)
    return out


def _tension(ctx, pid) -> list:
    rows = ctx.rows(pid)
    if rows is not None and "baseline_ready" in rows:
        # Before the seller's own neutral is known, AUs are measured against a population face: a mouth that is
        # thin at rest reads as "lips pressed". Tension is only judged against their own resting face.
        rows = rows[rows["baseline_ready"].astype(bool)]
    t, a4 = buyer.binned(rows, "au04")
    if len(t) == 0:
        return []
    _, a7 = buyer.binned(rows, "au07")
    _, a23 = buyer.binned(rows, "au23")
    _, a24 = buyer.binned(rows, "au24")
    lips = np.fmax(np.nan_to_num(a23), np.nan_to_num(a24))
    parts = np.vstack([np.nan_to_num(a4), np.nan_to_num(a7), lips])
    score = np.sort(parts, axis=0)[-2:].mean(axis=0)  # mean of the two strongest of brow, eyes, lips
    out = []
    for t0, t1 in buyer._sustained(t, score >= TENSION_LEVEL, TENSION_MIN_S):
        sel = (t >= t0) & (t < t1)
        peak = float(score[sel].max())
        which = [
            n
            for n, row in zip(("brows lowered", "eyes narrowed", "lips pressed"), parts)
            if float(row[sel].mean()) >= TENSION_LEVEL * 0.8
        ]
        ids = [e.id for e in ctx.events_of(pid, ("micro", "macro")) if e.offset_s >= t0 and e.onset_s <= t1]
        conf = min(0.9, _margin(peak, TENSION_LEVEL, 2 * TENSION_LEVEL) * 0.8) * buyer._quality(rows, t0, t1)
        out.append(
            ctx.cue(
                "seller_tension",
                pid,
                t0,
                f"your face held tension for {t1 - t0:.1f} s ({', '.join(which) or 'brow, eyes and lips'})",
                confidence=conf,
                event_ids=ids,
                span=(t0, t1),
                details=dict(peak=round(peak, 3)),
            )
        )
    return out


def _rushing(ctx, pid, mine) -> list:
    out, rates = [], []
    for u in mine:
        if u.end_s - u.start_s < RUSH_MIN_S or n_words(u.text) < RUSH_MIN_WORDS:
            continue
        r = wpm(u)
        prev = float(np.median(rates)) if len(rates) >= 2 else None
        rates.append(r)
        if prev is not None and r >= RUSH_WPM and r >= RUSH_RISE * prev:
            conf = _margin(r, RUSH_WPM, RUSH_WPM + 60) * TIMING_TRUST
            out.append(
                ctx.cue(
                    "seller_rushing",
                    pid,
                    u.start_s,
                    f"you spoke at {r:.0f} words per minute, up from your usual {prev:.0f}",
                    confidence=conf,
                    span=(u.start_s, u.end_s),
                    utterance=u,
                    details=dict(wpm=round(r, 1), usual_wpm=round(prev, 1)),
                )
            )
    return out


def _monologue(ctx, pid, speakers) -> list:
    mono = [tr for tr in turns(ctx.utterances) if tr.speaker in speakers]
    long_ = [tr for tr in mono if tr.duration_s >= MONOLOGUE_S]
    if not long_:
        return []
    tr = max(long_, key=lambda x: x.duration_s)
    rate = tr.words * 60.0 / tr.duration_s
    conf = _margin(tr.duration_s, MONOLOGUE_S, 2 * MONOLOGUE_S) * TIMING_TRUST
    return [
        ctx.cue(
            "seller_monologue",
            pid,
            tr.start_s,
            f"you spoke for {tr.duration_s:.0f} s without a break (your longest stretch)",
            confidence=conf,
            span=(tr.start_s, tr.end_s),
            utterance=tr.utterances[0],
            with_topic=False,
            details=dict(
                duration_s=round(tr.duration_s, 1),
                words=tr.words,
                wpm=round(rate, 1),
                monologues_over_threshold=len(long_),
            ),
        )
    ]


def _no_space(ctx, pid, speakers) -> list:
    out = []
    utts = ctx.utterances
    for i, u in enumerate(utts):
        if u.speaker not in speakers or not is_question(u.text):
            continue
        if question_then_more(u.text):
            q = u.text[: u.text.find("?") + 1]
            t = u.start_s + (u.end_s - u.start_s) * n_words(q) / max(1, n_words(u.text))
            gap = 0.0
        else:
            nxt = next((v for v in utts[i + 1 :] if v.start_s >= u.end_s - 0.05), None)
            if nxt is None or nxt.speaker not in speakers:
                continue  # someone else answered, or the call ended
            gap, t = max(0.0, nxt.start_s - u.end_s), u.end_s
            if gap >= NO_SPACE_S:
                continue
        conf = (0.5 + 0.5 * (1.0 - gap / NO_SPACE_S)) * TIMING_TRUST
        out.append(
            ctx.cue(
                "no_space",
                pid,
                t,
                f"you asked a question and went on after {gap:.1f} s of silence",
                confidence=conf,
                span=(u.start_s, t + gap),
                utterance=u,
                details=dict(silence_s=round(gap, 2)),
            )
        )
    return out


def _interruptions(ctx, pid, speakers, mine) -> list:
    others = [u for u in ctx.utterances if u.speaker is not None and u.speaker not in speakers]
    out = []
    for u in mine:
        for b in others:
            overlap = b.end_s - u.start_s
            if b.start_s < u.start_s and overlap > INTERRUPT_OVERLAP_S:
                conf = _margin(overlap, INTERRUPT_OVERLAP_S, 2.0) * TIMING_TRUST
                out.append(
                    ctx.cue(
                        "interruption",
                        pid,
                        u.start_s,
                        f"you started speaking while {b.speaker} was still talking ({overlap:.1f} s of overlap)",
                        confidence=conf,
                        span=(u.start_s, b.end_s),
                        utterance=b,
                        details=dict(overlap_s=round(overlap, 2), other_speaker=b.speaker),
                    )
                )
                break
    return out


def disconnect_cycles(ctx, doubts) -> list:
    """After each buyer doubt cue: did the seller ask, acknowledge or pause (responded), or press on?"""
    speakers = ctx.seller_speakers
    if not speakers or not ctx.utterances:
        return []
    mine = ctx.speaker_utterances(speakers)
    out = []
    for d in doubts:
        t = d.time_s
        ongoing = next((u for u in mine if u.start_s <= t <= u.end_s), None)
        after = [u for u in mine if u.start_s > t and u.start_s <= t + CYCLE_WINDOW_S]
        if ongoing is None and not after:
            continue  # the seller did not speak in the window: nothing to judge
        resume = after[0] if after else None
        free_from = max(t, ongoing.end_s) if ongoing is not None else t
        gap = (resume.start_s - free_from) if resume is not None else CYCLE_WINDOW_S
        buyer_spoke = any(
            u.speaker not in speakers and u.start_s >= t and (resume is None or u.start_s < resume.start_s)
            for u in ctx.utterances
            if u.speaker is not None
        )
        talk_before = sum(max(0.0, min(u.end_s, t) - max(u.start_s, t - CYCLE_WINDOW_S)) for u in mine)
        talk_after = sum(max(0.0, min(u.end_s, t + CYCLE_WINDOW_S) - max(u.start_s, t)) for u in mine)
        rate_before = [wpm(u) for u in mine if u.end_s <= t and u.start_s >= t - 60 and np.isfinite(wpm(u))]
        rate_after = [wpm(u) for u in ([ongoing] if ongoing else []) + after if np.isfinite(wpm(u))]
        first_words = resume.text if resume is not None else ""
        if ongoing is not None and ongoing.end_s - t >= 3.0 and not is_question(ongoing.text):
            outcome, said = "pressed_on", f"the seller kept talking for {ongoing.end_s - t:.0f} s more"
        elif resume is not None and is_question(first_words) and gap < CYCLE_WINDOW_S:
            outcome, said = "asked", "the seller asked a question"
        elif resume is not None and acknowledges(first_words):
            outcome, said = "acknowledged", "the seller acknowledged it"
        elif gap >= CYCLE_PAUSE_S or buyer_spoke:
            outcome, said = "paused", f"the seller paused ({min(gap, CYCLE_WINDOW_S):.1f} s) and left room"
        else:
            outcome, said = "pressed_on", "the seller went on talking"
        responded = outcome != "pressed_on"
        details = dict(
            outcome=outcome,
            responded=responded,
            doubt_cue_time_s=t,
            silence_s=round(gap, 2),
            seller_talk_before_s=round(talk_before, 1),
            seller_talk_after_s=round(talk_after, 1),
            wpm_before=round(float(np.median(rate_before)), 1) if rate_before else None,
            wpm_after=round(float(np.median(rate_after)), 1) if rate_after else None,
        )
        if outcome == "pressed_on":
            details["longer"] = talk_after > talk_before
            details["faster"] = bool(rate_before and rate_after and np.median(rate_after) > np.median(rate_before))
        what = d.observation.split(f" at {clock(t)}")[0]
        utt = resume if resume is not None else ongoing
        out.append(
            ctx.cue(
                "disconnect_cycle",
                d.participant,
                t,
                f"after {what}, {said}",
                role=d.role,
                confidence=0.9 * d.confidence,
                event_ids=d.evidence.event_ids,
                span=(t, (utt.end_s if utt else t)),
                utterance=utt,
                details=details,
                words_only=bool(d.evidence.details.get("words_only")),
            )
        )
    return out
