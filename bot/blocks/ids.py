"""Block ids of the messages kpibot posts, so that listeners and tests can find a block.

kpibot's answers carry no interactive elements yet, so there are no action ids; add them here,
beside the block ids, when a button arrives.
"""

from __future__ import annotations

ANSWER_HEADLINE = "kpi_answer_headline"
ANSWER_COMPARISON = "kpi_answer_comparison"
ANSWER_TABLE_TITLE = "kpi_answer_table_title"
ANSWER_TABLE = "kpi_answer_table"
ANSWER_CSV_NOTE = "kpi_answer_csv_note"
ANSWER_ASSUMPTIONS = "kpi_answer_assumptions"
ANSWER_NOTES = "kpi_answer_notes"
ANSWER_DEFINITION = "kpi_answer_definition"

REFUSAL = "kpi_refusal"
REFUSAL_SUGGESTIONS = "kpi_refusal_suggestions"
REFUSAL_QUESTION = "kpi_refusal_question"

APOLOGY = "kpi_apology"
ACCESS_REFUSAL = "kpi_access_refusal"
WORKING = "kpi_working"
HELP_KPIS = "kpi_help_kpis"
HELP_HOW_TO_ASK = "kpi_help_how_to_ask"
HELP_EXAMPLES = "kpi_help_examples"

HOME_KPIS = "kpi_home_kpis"
HOME_HOW_TO_ASK = "kpi_home_how_to_ask"
HOME_EXAMPLES = "kpi_home_examples"
HOME_DIGESTS_EMPTY = "kpi_home_digests_empty"
HOME_DIGEST_PREFIX = "kpi_home_digest_"  # + the digest's position, from 0
