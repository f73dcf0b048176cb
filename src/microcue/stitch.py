"""Stitch the tracks of consecutive passes (time ranges run in parallel) into one set of people.

A track that ends at a boundary and one that starts there in the same place, looking the same, are the
same person; a track that starts later is matched to an earlier person by appearance (the same rule the
tracker uses for a face that comes back), else it is a new person.
"""

from __future__ import annotations

from microcue.facepass import PassResult, TrackFacts, appearance_of
from microcue.faces.appearance import similarity
from microcue.faces.tracker import iou


def stitch(passes: list[PassResult], boundaries: list[float], *, gap_s: float = 0.6,
           min_iou: float = 0.3, same_min_similarity: float = 0.55, reid_min_similarity: float = 0.72
           ) -> tuple[dict[tuple[int, int], int], dict[int, TrackFacts]]:
    """Map ``(pass index, local track id)`` to a global id; return the map and each global track's facts.

    ``boundaries[k]`` is the start time of pass ``k + 1``.
    """
    mapping: dict[tuple[int, int], int] = {}
    people: dict[int, TrackFacts] = {}
    next_id = 0
    for k, res in enumerate(passes):
        claimed: set[int] = set()
        locals_sorted = sorted(res.tracks.items(), key=lambda kv: (kv[1].first_s, kv[0]))
        for local, facts in locals_sorted:
            gid = None
            app = appearance_of(facts)
            if k > 0:
                edge = boundaries[k - 1]
                best = 0.0
                # 1. continuing across the boundary: same place, similar look
                for g, pf in people.items():
                    if g in claimed or facts.first_s > edge + gap_s or pf.last_s < edge - gap_s:
                        continue
                    overlap = iou(_arr(pf.last_bbox), _arr(facts.first_bbox))
                    sim = similarity(appearance_of(pf), app) if app.size and pf.appearance else 1.0
                    if overlap >= min_iou and sim >= same_min_similarity and overlap + sim > best:
                        gid, best = g, overlap + sim
                # 2. someone seen before coming back
                if gid is None and app.size:
                    best = reid_min_similarity
                    for g, pf in people.items():
                        if g in claimed or not pf.appearance or pf.last_s > facts.first_s:
                            continue
                        sim = similarity(appearance_of(pf), app)
                        if sim > best:
                            gid, best = g, sim
            if gid is None:
                gid = next_id
                next_id += 1
                people[gid] = TrackFacts(**{**facts.__dict__})
            else:
                people[gid].merge(facts)
                if facts.appearance:
                    people[gid].appearance = facts.appearance
            claimed.add(gid)
            mapping[(k, local)] = gid
    return mapping, people


def _arr(b):
    import numpy as np

    return np.asarray(b, float)
