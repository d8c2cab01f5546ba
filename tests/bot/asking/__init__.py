"""Tests of asking kpibot in Slack (bot/asking) through the real Bolt app and the double."""
