"""Opening a store: the URL (argument, ``MICROCUE_DB``, or the default SQLite file in the user's data folder),
the engine, and the Alembic migrations, applied on open (``alembic upgrade head``)."""

from __future__ import annotations

import os
import re
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError, SQLAlchemyError

from microcue.store.errors import StoreError, StoreURLError

if TYPE_CHECKING:
    from microcue.store.api import Store

ENV_VAR = "MICROCUE_DB"
MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def default_url() -> str:
    """``sqlite:///<user data dir>/microcue.db`` (e.g. ``~/.local/share/microcue/microcue.db`` on Linux)."""
    from platformdirs import user_data_dir

    return f"sqlite:///{Path(user_data_dir('microcue', appauthor=False)) / 'microcue.db'}"


def normalise_url(url: str) -> str:
    """A URL SQLAlchemy can open with the drivers microcue installs: ``postgres://`` and ``postgresql://`` use
    psycopg 3; a plain file path ending in .db, .sqlite or .sqlite3 means that SQLite file."""
    url = url.strip()
    if "://" not in url and Path(url).suffix.lower() in (".db", ".sqlite", ".sqlite3"):
        return f"sqlite:///{Path(url).expanduser().resolve()}"
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def safe_url(url: str | URL) -> str:
    try:
        return (url if isinstance(url, URL) else make_url(url)).render_as_string(hide_password=True)
    except Exception:
        return re.sub(r"//([^:/@]+):[^@]*@", r"//\1:***@", str(url))


def first_line(exc: BaseException, secret: str | None) -> str:
    msg = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    line = msg[0] if msg else type(exc).__name__
    if secret:
        line = line.replace(secret, "***")
    return line


def open_store(url: str | None = None) -> Store:
    """Open (and create or migrate to the current schema) the store at ``url``.

    Args:
        url: a SQLAlchemy URL (``sqlite:///path.db``, ``postgresql://user:pw@host/db``) or a file path for SQLite;
            None: ``$MICROCUE_DB``, else the default SQLite file (:func:`default_url`).

    Raises:
        StoreURLError: the URL is malformed or names a database microcue has no driver for.
        StoreError: the database cannot be reached, or was written by a newer microcue.
    """
    raw = url or os.environ.get(ENV_VAR) or default_url()
    try:
        parsed = make_url(normalise_url(raw))
    except ArgumentError:
        raise StoreURLError(
            f"database URL {safe_url(raw)!r} is not a URL; use e.g. sqlite:///calls.db or "
            "postgresql://user:password@host/dbname (--db or MICROCUE_DB)"
        ) from None
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise StoreURLError(f"database URL {safe_url(parsed)!r}: microcue stores calls in SQLite or PostgreSQL only")
    if parsed.get_backend_name() == "sqlite":
        db = parsed.database
        if not db or db == ":memory:":
            raise StoreURLError(f"database URL {safe_url(parsed)!r}: give a SQLite file (sqlite:///path/to/calls.db)")
        try:
            Path(db).expanduser().parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"cannot create the folder for the store {db}: {e.strerror}") from None
    try:
        # PostgreSQL: give up on an unreachable server after 10 s; SQLite: wait up to 30 s for another writer
        timeout = {"postgresql": {"connect_timeout": 10}, "sqlite": {"timeout": 30}}
        kwargs = {"connect_args": timeout[parsed.get_backend_name()]}
        engine = create_engine(parsed, pool_pre_ping=True, **kwargs)
    except (NoSuchModuleError, ImportError) as e:
        raise StoreURLError(
            f"database URL {safe_url(parsed)!r}: no driver for it ({first_line(e, None)}); "
            "microcue supports sqlite and postgresql (psycopg)"
        ) from None
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_connect)
        event.listen(engine, "begin", _sqlite_begin)
    from microcue.store.api import Store

    try:
        upgrade(engine)
    except SQLAlchemyError as e:
        engine.dispose()
        raise StoreError(
            f"cannot open the store {safe_url(parsed)}: {first_line(e, parsed.password)}; "
            "check --db / MICROCUE_DB and that the database server is running"
        ) from None
    except _alembic_errors() as e:
        engine.dispose()
        raise StoreError(
            f"the store {safe_url(parsed)} has a schema this microcue does not know "
            f"({first_line(e, parsed.password)}): was it written by a newer microcue?"
        ) from None
    return Store(engine)


def _alembic_errors() -> tuple[type[BaseException], ...]:
    from alembic.util import CommandError

    return (CommandError,)


def _sqlite_connect(dbapi_conn, _record) -> None:
    # Foreign keys on (ON DELETE CASCADE). The driver's own transaction handling is switched off (it would run
    # DDL outside a transaction) and SQLAlchemy's "begin" event below emits BEGIN itself: migrations and
    # save_call are then real transactions (the SQLAlchemy pysqlite recipe).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def _sqlite_begin(conn) -> None:
    # A migration takes the write lock at once (BEGIN IMMEDIATE): a second process opening a new store
    # waits, then finds the schema in place, instead of both creating the tables.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get("microcue_migrate") else "BEGIN")


_MIGRATE_LOCK = threading.Lock()
"""Alembic's ``context`` is module-global: one migration at a time in a process."""


def upgrade(engine: Engine) -> None:
    """Bring the database to the newest schema (``alembic upgrade head``), in one transaction."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with _MIGRATE_LOCK, engine.connect() as conn:
        conn = conn.execution_options(microcue_migrate=True)
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
