"""Tests of the Slack side of kpibot (bot/), mirroring its packages: against the Slack double
and with signed requests (both in bot.sandbox). conftest.py holds the Slack fixtures (the
double, the desk, the real app); the end-to-end tests that start processes are in tests/e2e/."""
