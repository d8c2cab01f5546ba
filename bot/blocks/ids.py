"""Block, action and view ids of what kpibot posts and opens, so that listeners and tests find
a block, route a button click and recognise a modal's submission."""

from __future__ import annotations

ANSWER_HEADLINE = "kpi_answer_headline"
ANSWER_COMPARISON = "kpi_answer_comparison"
ANSWER_TABLE_TITLE = "kpi_answer_table_title"
ANSWER_TABLE = "kpi_answer_table"
ANSWER_CSV_NOTE = "kpi_answer_csv_note"
ANSWER_ASSUMPTIONS = "kpi_answer_assumptions"
ANSWER_NOTES = "kpi_answer_notes"
ANSWER_DEFINITION = "kpi_answer_definition"
# Feedback on an answer: its context_actions block, the feedback_buttons' action id and the
# values of its two buttons, and the private note that answers a vote.
ANSWER_FEEDBACK = "kpi_answer_feedback"
FEEDBACK_ACTION = "kpi_feedback"
FEEDBACK_HELPFUL = "helpful"
FEEDBACK_UNHELPFUL = "unhelpful"
FEEDBACK_NOTE = "kpi_feedback_note"

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
HOME_FEEDBACK = "kpi_home_feedback"
HOME_DIGESTS_EMPTY = "kpi_home_digests_empty"
HOME_DIGEST_PREFIX = "kpi_home_digest_"  # + the digest's position, from 0

DIGEST_ABOUT = "kpi_digest_about"
DIGEST_NO_DATA = "kpi_digest_no_data"
DIGEST_KPI_PREFIX = "kpi_digest_kpi_"  # + the KPI's position in the digest, from 0
DIGEST_GUARDRAIL_PREFIX = "kpi_digest_guardrail_"
DIGEST_HOW_COMPUTED = "kpi_digest_how_computed"
DIGEST_DEFINITIONS = "kpi_digest_definitions"
ALERT = "kpi_alert"
ALERT_ASK_MORE = "kpi_alert_ask_more"
ALERT_DEFINITION = "kpi_alert_definition"

# Managing digests: the modal (its inputs are blocks whose element's action id is "value"),
# the list's buttons (their value is the digest's id), the notes answering subcommands.
DIGEST_MODAL = "kpi_digest_modal"
DIGEST_FIELD_NAME = "kpi_digest_name"
DIGEST_FIELD_CHANNEL = "kpi_digest_channel"
DIGEST_FIELD_AT = "kpi_digest_at"
DIGEST_FIELD_TZ = "kpi_digest_tz"
DIGEST_FIELD_DAYS = "kpi_digest_days"
DIGEST_FIELD_PERIOD = "kpi_digest_period"
DIGEST_FIELD_KPIS = "kpi_digest_kpis"
DIGEST_FIELD_WHERE = "kpi_digest_where"
DIGEST_FIELD_TARGETS = "kpi_digest_targets"
DIGEST_FIELD_THRESHOLDS = "kpi_digest_thresholds"
DIGEST_FIELD_CHANGE_ALERTS = "kpi_digest_change_alerts"
DIGEST_LIST = "kpi_digest_list"
DIGEST_NOTE = "kpi_digest_note"
DIGEST_PREVIEW = "kpi_digest_preview"
DIGEST_EDIT = "kpi_digest_edit"
DIGEST_REMOVE = "kpi_digest_remove"

# The survey in a support thread: one action id per question (the button's value names the
# ticket and the score), the comment button and its modal, the resolve shortcut.
SURVEY_CSAT = "kpi_survey_csat"
SURVEY_CES = "kpi_survey_ces"
SURVEY_NPS = "kpi_survey_nps"
SURVEY_COMMENT = "kpi_survey_comment"
SURVEY_COMMENT_MODAL = "kpi_survey_comment_modal"
SURVEY_COMMENT_INPUT = "kpi_survey_comment_text"
SURVEY_QUESTION = "kpi_survey_question"
SURVEY_BUTTONS = "kpi_survey_buttons"
SURVEY_HINT = "kpi_survey_hint"
SURVEY_THANKS = "kpi_survey_thanks"
SURVEY_CLOSED = "kpi_survey_closed"
SURVEY_NOTE = "kpi_survey_note"
SURVEY_LOW_CSAT = "kpi_survey_low_csat"
SURVEY_ACTION_PREFIX = "kpi_survey_"
RESOLVE_SHORTCUT = "kpi_resolve"
SUPPORT_NOTE = "kpi_support_note"
