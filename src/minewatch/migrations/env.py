"""Alembic environment: the engine comes from minewatch (config.attributes['engine'])."""

from alembic import context

from minewatch.adapters.orm_all import metadata

config = context.config


def run_migrations_online() -> None:
    engine = config.attributes.get("engine")
    if engine is None:
        from minewatch.adapters.db import make_engine
        from minewatch.config import load_settings

        engine = make_engine(load_settings().sqlalchemy_url)
    with engine.connect() as connection:
        context.configure(
            connection=connection,
            target_metadata=metadata,
            render_as_batch=connection.dialect.name == "sqlite",
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


run_migrations_online()
