"""Alembic environment: run on the connection jet_store hands over (or offline)."""

from typing import Any, Literal

import sqlalchemy as sa
from alembic import context
from jet_store.schema import UTCDateTime, metadata


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write plain types into revisions, so they never import jet_store.schema."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime()"
    if type_ == "type" and isinstance(obj, sa.JSON):
        return "JSON"  # defined in script.py.mako
    return False


connection = context.config.attributes.get("connection")
if connection is None:
    # offline mode (`alembic upgrade --sql`): emit SQL for the configured URL
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    # render_as_batch: later ALTERs must also work on SQLite
    context.configure(
        connection=connection, target_metadata=metadata, render_as_batch=True, render_item=render_item
    )
    with context.begin_transaction():
        context.run_migrations()
