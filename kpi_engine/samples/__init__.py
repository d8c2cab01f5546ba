"""samples/: the demo desk — its agents, teams and tags (desk.py), a generated desk of tickets
and survey answers as canonical CSVs (data.py: what it looks like, `write_csv`; spec.py: what
to generate, `SampleSpec`; tickets.py: `generate`, drawing each ticket on the per-hour tables of
hours.py), and the demo itself (demo.py: import, ask, digest). The top of the engine: may
depend on every other folder.
"""
