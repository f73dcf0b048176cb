"""Errors of the store: each is one line that says what is wrong and what to do; none echoes a password."""

from __future__ import annotations

from microcue.errors import MicrocueError


class StoreError(MicrocueError, RuntimeError):
    """The store cannot be opened or written (unreachable server, unusable file, a newer schema)."""


class StoreURLError(MicrocueError, ValueError):
    """The database URL is not one microcue can use."""


class CallNotFoundError(MicrocueError, LookupError):
    """No stored call has this id."""


class UnnamedParticipantError(MicrocueError, ValueError):
    """A default name (``Person 1``) was asked for across calls: such names are per call, never merged."""
