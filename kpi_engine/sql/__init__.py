"""sql/: queries as SQL — compiling a `KpiQuery` into one statement per period (compile.py), the
records and the `Scope` a metric is measured over (sources.py), the first-response targets as
SQL (targets.py), and where the databases differ (dialects/: one class per backend, its SQL
fragments and its bulk load). Depends on metrics, periods, query and the layers below — and on
storage/schema.py, the tables the SQL is written against (see the layout notes).
"""
