"""`python -m bot` runs the `kpibot` command line (the same as the console script)."""

from bot.cli import main

main()
