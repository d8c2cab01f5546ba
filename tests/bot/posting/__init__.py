"""Tests of what kpibot posts on its own (bot/posting): digests and alerts."""
