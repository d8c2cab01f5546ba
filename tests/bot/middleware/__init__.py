"""Tests of what every request passes before a listener (bot/middleware): at most once per
delivery, and who may reach which surface."""
