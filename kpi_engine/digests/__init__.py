"""digests/: scheduled reports — a digest's definition and its rules (definitions.py, rules.py),
definitions as files and in the database (files.py, store.py), what a digest says
(content.py: the figures; text.py: the words), when it is due (schedules.py), alerts on
thresholds and changes (alerts.py), and steps pooled into one (pooling.py). Depends on the
engine and the layers below (and desk/ids.py for a channel id); posting is the bot's.
"""
