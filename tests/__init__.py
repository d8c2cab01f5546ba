"""kpibot's test suite: tests/kpi_engine/ mirrors the engine's packages; shared fixtures are in
conftest.py, the builders they and the tests use (tickets, survey answers, settings) in
builders.py."""
