"""Tests of the pure Block Kit builders (bot.blocks) and the charts (bot.charts)."""
