"""Tests of the Slack double and the signed-request helpers (bot/sandbox)."""
