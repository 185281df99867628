"""Alembic environment: run on the connection jet_store hands over (or offline)."""

from alembic import context

from jet_store.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    # offline mode (`alembic upgrade --sql`): emit SQL for the configured URL
    context.configure(
        url=context.config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    # render_as_batch: later ALTERs must also work on SQLite
    context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()
