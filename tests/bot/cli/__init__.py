"""Tests of the `kpibot` command line (bot/cli), run in this process on SQLite files."""
