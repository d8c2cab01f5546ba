"""Plain-language questions → `KpiQuery`.

- `read_question(text, workspace)`: the offline reader (rules over the metric registry, the
  period grammar and the workspace's known values); no network, no model.
- `follow_up(previous, text, workspace)`: a follow-up in a conversation ("and tier 2?", "by
  agent", "what about last month?") applied to the previous query.
- `understand(text, workspace, ...)`: what `kpibot ask` and Slack call — the offline reader
  first; a language model, when one is configured (`llm.py`), only for what the rules cannot
  read, its reading validated like any other.

Every reader ends in `draft.resolve_draft`, the one validation of a `QueryDraft`. Refusals are
`UserError`s whose suggestions say what can be asked instead. Beside the readers: asking end to
end (answers.py: `QuestionAnswerer` → `Answer`, with the engine) and the last query of each
conversation, kept in the database for follow-ups (conversations.py).

Depends on metrics, periods, query and the layers below; answers.py also on the engine and
conversations.py on storage. Importing the package (the offline reader) loads none of engine,
sql or storage: the known values are read from the database only by `load_lexicon`.
"""

from kpi_engine.question.draft import Assumption, QueryDraft, Workspace, resolve_draft
from kpi_engine.question.followup import follow_up
from kpi_engine.question.lexicon import Lexicon, load_lexicon
from kpi_engine.question.rules import read_question
from kpi_engine.question.understanding import Understanding, understand

__all__ = [
    "Assumption", "Lexicon", "QueryDraft", "Understanding", "Workspace", "follow_up",
    "load_lexicon", "read_question", "resolve_draft", "understand",
]
