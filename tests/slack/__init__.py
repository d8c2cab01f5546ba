"""Tests of the Slack side of kpibot, against the Slack double and with signed requests (both in
bot.sandbox)."""
