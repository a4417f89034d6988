"""The plugin's Alembic branch builds exactly the schema the models describe."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from demo.app import create_app
from plugin import migrate
from plugin.migrate import VERSION_TABLE, include_object
from plugin.models import Base


def _fresh_app(database_url: str):
    engine = create_engine(database_url)
    Base.metadata.drop_all(engine)
    with engine.begin() as conn:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {VERSION_TABLE}")
    engine.dispose()
    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url})


def test_upgrade_empty_database_to_head_matches_models(database_url):
    app = _fresh_app(database_url)
    with app.app_context():
        migrate.upgrade()
        engine = app.extensions["crm_sync"].db.engine
        with engine.connect() as conn:
            ctx = MigrationContext.configure(
                conn,
                opts={"include_object": include_object, "compare_type": True},
            )
            diff = compare_metadata(ctx, Base.metadata)
            tables = set(inspect(conn).get_table_names())
        assert diff == [], f"models and migrations drift apart: {diff}"
        assert {t for t in Base.metadata.tables} <= tables
        assert VERSION_TABLE in tables
        # leave the schema as the other tests expect it
        Base.metadata.create_all(engine)


def test_downgrade_to_base_removes_every_crm_table(database_url):
    app = _fresh_app(database_url)
    with app.app_context():
        migrate.upgrade()
        migrate.downgrade("base")
        engine = app.extensions["crm_sync"].db.engine
        left = [t for t in inspect(engine).get_table_names() if t.startswith("crm_")]
        assert left == [VERSION_TABLE]
        migrate.upgrade()
