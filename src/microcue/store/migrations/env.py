"""Alembic environment for the microcue store.

microcue runs the migrations itself when a store is opened (``microcue.store.open_store``), passing its open
connection in ``config.attributes["connection"]``. Run by hand (``alembic -c <this folder>/alembic.ini``), the URL
comes from ``-x url=...``, then ``sqlalchemy.url``, then ``MICROCUE_DB``.
"""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, text

from microcue.store.models import Base

config = context.config
target_metadata = Base.metadata
_LOCK = 0x6D6963726F637565  # "microcue": serialises concurrent upgrades on PostgreSQL


def _run(connection) -> None:
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True, compare_type=True)
    with context.begin_transaction():
        if connection.dialect.name == "postgresql":
            connection.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK})
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = (
        context.get_x_argument(as_dictionary=True).get("url")
        or config.get_main_option("sqlalchemy.url")
        or os.environ.get("MICROCUE_DB")
    )
    if not url:
        raise SystemExit("give the database URL: alembic -x url=... upgrade head (or set MICROCUE_DB)")
    from microcue.store.db import normalise_url

    if context.is_offline_mode():
        context.configure(url=normalise_url(url), target_metadata=target_metadata, literal_binds=True)
        with context.begin_transaction():
            context.run_migrations()
    else:
        engine = create_engine(normalise_url(url))
        with engine.connect() as conn:
            _run(conn)
            conn.commit()
        engine.dispose()
