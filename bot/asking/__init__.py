"""Answering questions asked in Slack, the one domain call of every asking surface.

- `asking.py`: a `Question` and where its answer goes; `answer_question` reads it with the
  engine, posts the answer in its thread and attaches a chart or a table.
- `answering.py`: where that runs once Slack is acknowledged — the listener's own thread, or
  the worker processes of `kpibot serve`.
- `asker.py`: the question an event payload asks, and who asked it.
- `access.py`: who may ask, and who may see per-agent figures; `agents.py`: who is an agent.

Nothing here registers a listener; the surfaces in `bot.listeners` call in.
"""
