"""Property: every word accounted for. Insert a word the reader does not know into any of 200
questions it answers, anywhere: the answer is then refused (asked back, naming a word), or is
a different query, or says how it read the word ("read 'x' as 'y'") — never the same answer
with the word silently dropped.

The 200 questions are the first answered rows (in UTC) of the question table; the inserted
words are English words about things kpibot does not hold ("revenue", "enterprise", "vip") and
random letter strings.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kpi_engine.errors import UserError

from .test_question_table import CASES

ANSWERED = [case.values[0] for case in CASES if case.values[1] == "UTC"][:200]
UNKNOWN_WORDS = ["revenue", "enterprise", "vip", "churn", "weather", "premium", "region",
                 "banana", "quantum", "marketing", "bob", "zorblax", "invoice", "outsourced",
                 "emea", "apac", "holiday", "bonus", "salary", "partner", "mobile", "beta"]
LETTERS = st.text(alphabet="bcdfghjklmnpqrstvwxz", min_size=5, max_size=9)


def test_there_are_200_questions():
    assert len(ANSWERED) == 200


@settings(max_examples=400, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(index=st.integers(0, len(ANSWERED) - 1), word=st.sampled_from(UNKNOWN_WORDS) | LETTERS,
       where=st.floats(0, 1))
def test_an_unknown_word_never_leaves_the_answer_unchanged_unsaid(index, word, where,
                                                                  read_question, workspace):
    question = ANSWERED[index]
    words = question.split()
    position = round(where * len(words))
    changed = " ".join([*words[:position], word, *words[position:]])
    before = read_question(question, workspace)
    try:
        after = read_question(changed, workspace)
    except UserError:
        return  # refused or asked back: nothing answered with the word dropped
    said = [line for line in after.assumptions
            if line not in before.assumptions and word.lower() in line.lower()]
    assert after != before or said, (
        f"{changed!r} was answered as {question!r} without a word about {word!r}")
