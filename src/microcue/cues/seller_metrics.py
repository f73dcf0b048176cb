"""The seller's own numbers for self-coaching: talk ratio, pace, monologues, interruptions, space, smile warmth.

Private to the seller, like the seller cues: computed always, shown only with ``--self-coaching`` and never
written to a shared (PostgreSQL) store.
"""

from __future__ import annotations

import numpy as np


def seller_metrics(participants, utterances, speaker_links, events, signals) -> dict:
    """Numbers about the seller (the participant with role ``seller``); empty when there is none.

    - ``talk_ratio``: the seller's share of all speaking time in the transcript;
    - ``words_per_minute``: the seller's words over their speaking time;
    - ``longest_monologue_s``: the longest run of consecutive seller utterances (gaps under 2 s joined);
    - ``interruptions``: seller utterances that start before the other person's has ended;
    - ``space_after_questions_s``: median silence after a seller question before the seller speaks again;
    - ``smile_warmth``: the share of the seller's smiles (happiness events) that reach the eyes (Duchenne),
      and ``cheek_raise_when_smiling``: mean AU6 over frames where the seller's AU12 is above 0.3.
    """
    seller = next((p for p in participants if getattr(p, "role", None) == "seller"), None)
    if seller is None:
        return {}
    names = {lk.speaker for lk in speaker_links if lk.participant == seller.id} | {seller.name}
    utts = sorted(utterances, key=lambda u: u.start_s)
    mine = [u for u in utts if u.speaker in names]
    total_talk = sum(max(0.0, u.end_s - u.start_s) for u in utts)
    my_talk = sum(max(0.0, u.end_s - u.start_s) for u in mine)
    out: dict = {"participant": seller.id, "name": seller.name}
    if utts:
        out["talk_ratio"] = round(my_talk / total_talk, 3) if total_talk > 0 else None
        words = sum(len(u.text.split()) for u in mine)
        out["words_per_minute"] = round(words / (my_talk / 60.0), 1) if my_talk > 0 else None
        longest = run = 0.0
        prev_end = None
        for u in utts:
            if u.speaker in names:
                run = run + (u.end_s - u.start_s) if prev_end is not None and u.start_s - prev_end < 2.0 else (
                    u.end_s - u.start_s)
                prev_end = u.end_s
                longest = max(longest, run)
            else:
                prev_end, run = None, 0.0
        out["longest_monologue_s"] = round(longest, 2)
        out["interruptions"] = sum(
            1 for a, b in zip(utts, utts[1:]) if b.speaker in names and a.speaker not in names and b.start_s < a.end_s)
        spaces = []
        for i, u in enumerate(utts):
            if u.speaker in names and u.text.rstrip().endswith("?"):
                nxt = next((v for v in utts[i + 1:] if v.speaker in names), None)
                if nxt is not None:
                    spaces.append(nxt.start_s - u.end_s)
        out["space_after_questions_s"] = round(float(np.median(spaces)), 2) if spaces else None
    smiles = [e for e in events if e.participant == seller.id and e.emotion == "happiness"]
    out["smile_warmth"] = round(sum("duchenne" in e.flags for e in smiles) / len(smiles), 3) if smiles else None
    if signals is not None and len(signals):
        rows = signals[(signals["participant"] == seller.id) & (signals["au12"] > 0.3)]
        out["cheek_raise_when_smiling"] = round(float(rows["au06"].mean()), 3) if len(rows) else None
    return out
