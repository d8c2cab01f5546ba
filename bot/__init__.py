"""kpibot's Slack face: the Bolt app, listeners, Block Kit builders, the command line."""
