"""A stand-in Slack for the demo, the tests and the benchmarks: the Web API double and signed
requests shaped like Slack's."""
