"""Test helpers for the Slack side of kpibot: a local Slack Web API double and signed requests."""
