"""Period words: month, weekday, number and unit names, and the compiled patterns that find one
period expression in text (`find`, `find_all`). What a match means — a `Reading`, with the year
of a date inferred from today — is read in `readings.py`; `calendar.py` places a reading on the
clock of the workspace zone. No date or instant is computed here.
"""

from __future__ import annotations

import re

EXAMPLES = ["last week", "last 30 days", "this month", "in October", "since Nov 1",
            "between Oct 1 and Oct 15"]

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4,
    "may": 5, "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8,
    "september": 9, "sept": 9, "sep": 9, "october": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}
MONTH_NAMES = ("", "January", "February", "March", "April", "May", "June", "July", "August",
               "September", "October", "November", "December")
MONTH_ABBREVIATIONS = tuple(name[:3] for name in MONTH_NAMES)

WEEKDAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tues": 1, "tue": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thurs": 3, "thur": 3, "thu": 3, "friday": 4, "fri": 4,
    "saturday": 5, "sat": 5, "sunday": 6, "sun": 6,
}
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

NUMBERS = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
}

# Every spelling of a unit -> its canonical name.
UNITS = {
    **dict.fromkeys(("d", "day", "days"), "day"),
    **dict.fromkeys(("h", "hr", "hrs", "hour", "hours"), "hour"),
    **dict.fromkeys(("w", "wk", "wks", "week", "weeks"), "week"),
    **dict.fromkeys(("fortnight", "fortnights"), "fortnight"),
    **dict.fromkeys(("mo", "mos", "mth", "mths", "month", "months"), "month"),
    **dict.fromkeys(("qtr", "qtrs", "quarter", "quarters"), "quarter"),
    **dict.fromkeys(("y", "yr", "yrs", "year", "years"), "year"),
}
CALENDAR_UNITS = ("day", "week", "month", "quarter", "year")


def _words(names) -> str:
    return "|".join(sorted(names, key=len, reverse=True))


_START = r"(?<![\w])"
_END = r"(?![\w])"
_PREFIX = r"(?:(?:in|over|during|for|within)\s+)?(?:the\s+)?"
_MONTH = (r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
          r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?![a-z])\.?")
_WEEKDAY = (r"(?:mon(?:day)?|tue(?:s(?:day)?)?|wed(?:nesday)?|thu(?:r(?:s(?:day)?)?)?|fri(?:day)?"
            r"|sat(?:urday)?|sun(?:day)?)(?![a-z])")
_DAY = rf"(?:3[01]|[12]\d|0?[1-9])(?:st|nd|rd|th)?{_END}"
_YEAR = r"\d{4}(?![\d-])"
_COUNT = rf"(?:\d+\s*|(?:{_words(NUMBERS)})\s+)"
_UNIT = (r"(?:d(?:ays?)?|h(?:ours?|rs?)?|w(?:eeks?|ks?)?|fortnights?|mo(?:nths?|s)?|mths?"
         r"|quarters?|qtrs?|y(?:ears?|rs?)?)(?![a-z])")
_CALENDAR_UNIT = r"(?:days?|weeks?|wks?|months?|mos?|quarters?|qtrs?|years?|yrs?)"
_NAMED_UNIT = rf"(?:{_CALENDAR_UNIT}|hours?|hrs?|fortnights?|mths?)(?![a-z])"  # no 1-letter ones
# A range separator; "and" only after "between" (the group btw).
_TO = (r"(?:\s*[-\u2013\u2014]\s*|\s+(?:to|until|till|through|thru)\s+|(?(btw)\s+and\s+|(?!)))"
       r"(?:the\s+)?")
_FROM = r"(?:(?:(?P<btw>between)|from)\s+(?:the\s+)?)?"


def _date(p: str) -> str:
    """An ISO date, 'Nov 3[, 2026]' or '3 Nov [2026]', with groups named after prefix p."""
    return (
        rf"(?:(?P<{p}iso>\d{{4}}-\d{{1,2}}-\d{{1,2}})(?![\d-])"
        rf"|(?P<{p}mon>{_MONTH})\s*(?P<{p}day>{_DAY})(?:,?\s+(?P<{p}year>{_YEAR}))?"
        rf"|(?P<{p}day2>{_DAY})\s+(?:of\s+)?(?P<{p}mon2>{_MONTH})(?:,?\s+(?P<{p}year2>{_YEAR}))?)"
    )


_FULL_WEEKDAY = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)(?![a-z])"
# A month named alone ("and October?", "October vs September"); "may" and "march" are verbs too
# often to stand alone, abbreviations are words too often ("jan" is a name) unless "in" leads.
_BARE_MONTH = (r"(?:january|february|april|june|july|august|september|october|november"
               r"|december)(?![a-z])")

_GRAMMAR = {
    "future": _PREFIX + rf"(?:tomorrow|(?:this\s+)?(?:next|coming)\s+(?:\d+\s*{_UNIT}"
                        rf"|(?:[a-z]+\s+)?(?:{_NAMED_UNIT}|{_WEEKDAY})))",
    "day": _PREFIX + r"(?:so\s+far\s+)?(?P<w>today|yesterday|day\s+before\s+yesterday)"
                     r"(?:\s+so\s+far)?",
    "this": _PREFIX + r"(?:so\s+far\s+)?this\s+(?P<u>week|wk|month|mo|mth|quarter|qtr|year|yr)"
            r"(?:\s+(?:so\s+far|to\s+date))?",
    "to_date": _PREFIX + r"(?:(?P<u>week|month|quarter|year)[\s-]+to[\s-]+date|(?P<abbr>[wmqy])td"
                         r"|(?:since|from)\s+the\s+(?:start|beginning)\s+of\s+(?:the|this)\s+"
                         r"(?P<u2>week|month|quarter|year))",
    "ago": _PREFIX + rf"(?P<n>{_COUNT})(?P<u>{_CALENDAR_UNIT})\s+ago",
    "before": _PREFIX + r"(?P<u>day|week|month|quarter|year)\s+before(?P<last>\s+last)?",
    "last": _PREFIX + rf"(?P<w>last|past|previous|prev)\s+"
                      rf"(?:(?P<n>{_COUNT})(?P<u>{_UNIT})|(?P<named>{_NAMED_UNIT}))",
    "month": rf"(?:in|during|for)\s+(?:the\s+month\s+of\s+)?(?P<m>{_MONTH})"
             rf"(?:,?\s+(?P<y>{_YEAR}))?(?!\s*\d)",
    "month_year": rf"(?P<m>{_MONTH}),?\s+(?P<y>{_YEAR})",
    "quarter": rf"(?:(?:in|during|for)\s+(?:the\s+)?)?q(?P<q>[1-4])(?:,?\s+(?P<y>{_YEAR}))?",
    "year": rf"(?:in|during|for)\s+(?:the\s+year\s+)?(?P<y>{_YEAR})",
    "dates": rf"(?:(?:(?P<btw>between)|(?P<lead>on|since|from))\s+)?(?:the\s+)?{_date('a')}"
             rf"(?:{_TO}{_date('b')})?",
    "weekday": rf"on\s+(?:the\s+)?(?P<wd>{_WEEKDAY})",
    # "last Tuesday": the most recent Tuesday before today; a full name alone: the most recent
    "weekday_last": rf"(?:on\s+)?(?:last|previous|past)\s+(?P<wd>{_WEEKDAY})",
    "weekday_bare": rf"(?P<wd>{_FULL_WEEKDAY})",
    "now": r"(?:right\s+now|currently|at\s+the\s+moment|at\s+present|as\s+of\s+now|as\s+we\s+speak"
           r"|rn|atm)",
    "weekend": rf"{_PREFIX}(?P<which>this|last|past|previous)?\s*weekend",
    "week_of": rf"(?:in\s+|during\s+)?the\s+week\s+of\s+{_date('a')}",
    "month_bare": rf"(?P<m>{_BARE_MONTH})(?:,?\s+(?P<y>{_YEAR}))?(?!\s*\d)",
    "since": rf"(?:since|from)\s+(?:the\s+)?(?:(?P<wd>{_WEEKDAY})|(?P<yest>yesterday)"
             rf"|(?P<m>{_MONTH})(?:,?\s+(?P<y>{_YEAR}))?(?!\s*\d)|(?P<yy>{_YEAR}))",
    "month_days": rf"{_FROM}(?P<m>{_MONTH})\s*(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY})"
                  rf"(?:,?\s+(?P<y>{_YEAR}))?",
    "days_month": rf"{_FROM}(?P<d1>{_DAY}){_TO}(?P<d2>{_DAY})\s+(?:of\s+)?(?P<m>{_MONTH})"
                  rf"(?:,?\s+(?P<y>{_YEAR}))?",
}

PATTERNS = tuple(
    (name, re.compile(_START + body + _END, re.IGNORECASE | re.ASCII))
    for name, body in _GRAMMAR.items()
)

LEFTOVER = re.compile(r"[\s.,;:!?]*")


def find(text: str) -> re.Match | None:
    """The first period expression in text (the longest of those starting there)."""
    best = None
    for _, pattern in PATTERNS:
        found = pattern.search(text)
        if found and (best is None or (found.start(), -found.end()) < (best.start(), -best.end())):
            best = found
    return best


def find_all(text: str) -> list[re.Match]:
    """Every period expression in text, in order and not overlapping (at each start, the
    longest) — one pass of each pattern."""
    found = sorted((match for _, pattern in PATTERNS for match in pattern.finditer(text)),
                   key=lambda match: (match.start(), -match.end()))
    chosen: list[re.Match] = []
    for match in found:
        if not chosen or match.start() >= chosen[-1].end():
            chosen.append(match)
    return chosen
