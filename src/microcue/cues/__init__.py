"""Cues: sales meaning from events, signals and words, with playbook suggestions."""

from microcue.cues.types import CUE_KINDS, SELF_COACHING_KINDS, Cue, Evidence

__all__ = ["CUE_KINDS", "SELF_COACHING_KINDS", "Cue", "Evidence"]
