"""storage/: the database itself — the tables (schema.py) and their migrations (migrations/,
Alembic), opening a database (database.py), and the small stores the engine and the bot keep
there: claims of at-most-once work (claims.py), handled deliveries (deliveries.py) and the
dimension values questions are read with (dimension_values.py). Depends on sql's dialects (how
a backend's connections are set up) and the layers below; nothing here computes a KPI.
"""
