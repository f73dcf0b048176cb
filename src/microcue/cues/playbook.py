"""The playbook (cue kind -> suggested responses) and the topic trackers (topic -> keywords), both YAML.

The defaults ship with the package (``default_playbook.yaml``, ``default_topics.yaml``, read through
importlib.resources); a team passes its own file. A file that is not what it should be raises
:class:`~microcue.errors.InvalidInputError` with one line naming the file and the problem.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from microcue.cues.types import CUE_KINDS
from microcue.errors import InputNotFoundError, InvalidInputError

DEFAULT_PLAYBOOK = "default_playbook.yaml"
DEFAULT_TOPICS = "default_topics.yaml"


def _read_yaml(path: str | Path | None, default: str) -> tuple[object, str]:
    """Parse a YAML file (or the packaged default); return (data, name used in messages)."""
    import yaml  # PyYAML; light, but only needed here

    if path is None:
        name = f"microcue/cues/{default}"
        text = resources.files("microcue.cues").joinpath(default).read_text(encoding="utf-8")
    else:
        p = Path(path)
        name = str(p)
        if not p.is_file():
            raise InputNotFoundError(f"{p}: file not found")
        try:
            text = p.read_text(encoding="utf-8")
        except UnicodeDecodeError as e:
            raise InvalidInputError(f"{p}: not a UTF-8 text file ({e.reason} at byte {e.start})") from None
    try:
        return yaml.safe_load(text), name
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        where = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise InvalidInputError(f"{name}{where}: YAML syntax error: {problem}") from None


def _string_list(name: str, key: str, value: object, what: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise InvalidInputError(f"{name}: {key!r} must be a list of {what}, got {type(value).__name__}")
    if not value:
        raise InvalidInputError(f"{name}: {key!r} has an empty list; give at least one of {what}")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise InvalidInputError(f"{name}: {key!r} item {i + 1} must be non-empty text, got {item!r}")
        out.append(" ".join(item.split()))
    return tuple(out)


class _SafeDict(dict):
    def __missing__(self, key: str) -> str:  # an unknown {placeholder} stays as written
        return "{" + key + "}"


@dataclass(frozen=True)
class Playbook:
    """Suggested responses per cue kind. ``source`` names the file (or the packaged default)."""

    responses: Mapping[str, tuple[str, ...]]
    source: str = "default"

    def suggest(self, kind: str, *, index: int = 0, **fields: object) -> str:
        """The ``index``-th response for ``kind`` (wrapping around), with ``{topic}``-style fields filled in.

        A placeholder whose field is not given (or is None) is replaced by a neutral word ("this").
        """
        if kind not in CUE_KINDS:
            raise KeyError(f"unknown cue kind {kind!r}; known: {', '.join(CUE_KINDS)}")
        options = self.responses.get(kind) or ()
        if not options:
            return ""
        text = options[index % len(options)]
        values = {k: ("this" if v is None else str(v).replace("_", " ")) for k, v in fields.items()}
        if "{" in text:
            values.setdefault("topic", "this")
            text = text.format_map(_SafeDict(values))
        return text


def load_playbook(path: str | Path | None = None) -> Playbook:
    """Read a playbook YAML: a mapping of cue kind -> list of suggested responses (or one string).

    Kinds the file leaves out keep the packaged defaults. Raises InvalidInputError (one line, naming the file)
    for a YAML syntax error (with its line), a top level that is not a mapping, an unknown kind, or an
    empty / non-text response list; InputNotFoundError when the file does not exist.
    """
    data, name = _read_yaml(path, DEFAULT_PLAYBOOK)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        raise InvalidInputError(f"{name}: a playbook must be a mapping of cue kind -> responses, got {got}")
    responses: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        if key not in CUE_KINDS:
            raise InvalidInputError(f"{name}: unknown cue kind {key!r}; known kinds: {', '.join(CUE_KINDS)}")
        responses[key] = _string_list(name, key, value, "suggested responses")
    if path is not None:
        base = dict(load_playbook(None).responses)
        base.update(responses)
        responses = base
    return Playbook(responses=responses, source=name)


@dataclass(frozen=True)
class Topics:
    """Topic trackers: topic name -> keywords (a trailing ``*`` matches any ending), matched on word boundaries.

    ``hold_s``: a topic stays current this long after the last utterance that mentioned it, unless another
    topic is mentioned first.
    """

    keywords: Mapping[str, tuple[str, ...]]
    source: str = "default"
    hold_s: float = 45.0
    _patterns: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for topic, words in self.keywords.items():
            alts = []
            for w in words:
                star = w.endswith("*")
                body = r"\s+".join(re.escape(part) for part in w.rstrip("*").split())
                alts.append(body + (r"\w*" if star else r"\b"))
            self._patterns[topic] = re.compile(r"\b(?:" + "|".join(alts) + ")", re.IGNORECASE)

    def find(self, text: str) -> list[tuple[str, str]]:
        """Topics mentioned in ``text`` as (topic, the words matched), most hits first, then file order."""
        found = []
        for order, (topic, pat) in enumerate(self._patterns.items()):
            hits = [m.group(0) for m in pat.finditer(text)]
            if hits:
                found.append((-len(hits), order, topic, hits[0]))
        return [(t, h) for _, _, t, h in sorted(found)]


def load_topics(path: str | Path | None = None, *, hold_s: float = 45.0) -> Topics:
    """Read topic trackers: a mapping of topic name -> list of keywords. Errors as for :func:`load_playbook`.

    Unlike the playbook, a file given replaces the default topics entirely (a team tracks its own topics).
    """
    data, name = _read_yaml(path, DEFAULT_TOPICS)
    if not isinstance(data, dict):
        got = "an empty file" if data is None else type(data).__name__
        raise InvalidInputError(f"{name}: topics must be a mapping of topic name -> keywords, got {got}")
    keywords: dict[str, tuple[str, ...]] = {}
    for key, value in data.items():
        if not isinstance(key, str) or not re.fullmatch(r"[A-Za-z][\w-]*", key):
            raise InvalidInputError(f"{name}: topic name {key!r} must be a word (letters, digits, _ or -)")
        keywords[key] = _string_list(name, key, value, "keywords")
    if not keywords:
        raise InvalidInputError(f"{name}: no topics defined")
    return Topics(keywords=keywords, source=name, hold_s=hold_s)
