"""What kpibot posts on its own, not as the answer to a question: digests and alerts
(`digest_posting.py`, each once per digest and day) and the surveys of support threads
(`survey_posting.py`, one per solved conversation), with their messages kept up to date.
Used by the scheduler, the listeners and `kpibot digest run`.
"""
