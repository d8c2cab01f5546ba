"""A stand-in Slack for the demo, the tests and the benchmarks: the Web API double
(`slack_double/`), requests signed and shaped like Slack's (`signed_requests.py`), and the
support conversation `kpibot demo` plays through the real app (`conversation_demo.py`)."""
