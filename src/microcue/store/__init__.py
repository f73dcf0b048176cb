"""Analysed calls kept in a database: SQLite in the user's data folder by default, PostgreSQL by URL.

``open_store(url=None)`` opens (creating or migrating) a store; see docs/store.md. Imports SQLAlchemy, so the
top-level ``microcue`` package does not import this module.
"""

from microcue.store.api import Store
from microcue.store.db import ENV_VAR, default_url, normalise_url, open_store
from microcue.store.errors import CallNotFoundError, StoreError, StoreURLError, UnnamedParticipantError
from microcue.store.rows import cue_from_dict, event_from_dict, signal_seconds
from microcue.store.stored import StoredCall

__all__ = [
    "ENV_VAR",
    "CallNotFoundError",
    "Store",
    "StoreError",
    "StoreURLError",
    "StoredCall",
    "UnnamedParticipantError",
    "cue_from_dict",
    "default_url",
    "event_from_dict",
    "normalise_url",
    "open_store",
    "signal_seconds",
]
