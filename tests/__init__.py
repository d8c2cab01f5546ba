"""kpibot's test suite: tests/kpi_engine/ mirrors the engine's packages, tests/bot/ the Slack
face's, tests/e2e/ runs kpibot as processes; test_layout.py guards the layout itself. Shared
fixtures are in conftest.py, the builders they and the tests use (tickets, survey answers,
settings) in builders.py."""
