"""The one exception family. User errors print one line and exit non-zero (see cli.py)."""

from __future__ import annotations


class MicrocueError(Exception):
    """Base of every error microcue raises on purpose.

    The message is one line that says what is wrong, with which file, and what to do.
    """


class InputNotFoundError(MicrocueError, FileNotFoundError):
    """A path the user gave does not exist."""


class InvalidInputError(MicrocueError, ValueError):
    """A file exists but is not what it should be (not a video, truncated, no video stream...)."""


class OutputError(MicrocueError, OSError):
    """An output folder or file cannot be written."""


class ModelError(MicrocueError, RuntimeError):
    """A vendored model is missing or does not match its checksum."""


class NotFittedError(MicrocueError, LookupError):
    """A stateful stage was used before it had what it needs."""
