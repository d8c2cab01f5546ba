"""Tests of the Slack surfaces (bot/listeners): each through the real Bolt app against the Slack
double, and access on every listener the app registers."""
