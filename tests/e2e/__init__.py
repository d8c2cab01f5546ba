"""End to end: kpibot as its own processes — `kpibot serve` driven over HTTP like Slack would,
`kpibot scheduler` processes sharing a database — with Slack played by the double."""
