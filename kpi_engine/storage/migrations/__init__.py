"""Alembic's migrations of the schema (env.py, versions/): run by storage/database.py."""
