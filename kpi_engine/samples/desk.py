"""The sample desk's parameters: who works there (agents with their team, tier, capacity and
quality), the channel, priority and tier mix, reply and resolution times by channel, the daily
and weekly rhythm, the outage week, tags, survey comments and the score cut-offs.
tickets.py and hours.py draw tickets and surveys from these; change the desk here.
"""

from __future__ import annotations

TEAMS: tuple[str, ...] = ("billing", "technical", "accounts", "onboarding")
TAGS: tuple[str, ...] = (
    "billing",
    "refund",
    "login",
    "bug",
    "how-to",
    "outage",
    "complaint",
    "feature-request",
    "shipping",
)

# name -> (team, tier, capacity, quality). Capacity weighs how many tickets an agent takes
# within their tier; quality (-1 weak .. +1 strong) moves FCR, reopens, escalations, handle
# time and the scores customers give.
AGENT_PROFILES: dict[str, tuple[str, int, float, float]] = {
    # tier 1
    "Asha Rao": ("billing", 1, 1.2, 0.9),  # strong
    "Sam Okafor": ("billing", 1, 1.0, 0.1),
    "María González": ("billing", 1, 1.0, 0.2),
    "Liam O'Brien": ("billing", 1, 0.9, -0.9),  # weak
    "Sam Lindqvist": ("technical", 1, 1.1, 0.0),
    "Kenji Tanaka": ("technical", 1, 1.1, 0.8),  # strong
    "Amara Nwosu": ("technical", 1, 1.0, 0.3),
    "Lucas Ferreira": ("technical", 1, 1.0, -0.8),  # weak
    "Priya Natarajan": ("accounts", 1, 1.0, 0.2),
    "Jonas Becker": ("accounts", 1, 0.7, -0.1),  # part-time
    "Zainab Hussain": ("accounts", 1, 1.0, 0.1),
    "Emily Carter": ("onboarding", 1, 1.0, 0.3),
    "Diego Ramírez": ("onboarding", 1, 1.0, -0.2),
    "Hana Kim": ("onboarding", 1, 0.8, 0.1),
    # tier 2
    "Chen Wei": ("billing", 2, 1.0, 0.4),
    "Fatima Haddad": ("billing", 2, 0.9, 0.1),
    "Olga Petrova": ("technical", 2, 1.2, 0.3),
    "Marcus Johnson": ("technical", 2, 1.1, -0.3),
    "Aisha Bello": ("accounts", 2, 1.0, 0.2),
    "Ingrid Larsen": ("accounts", 2, 0.8, 0.0),
    "Tom Nguyen": ("onboarding", 2, 1.0, 0.1),
    # tier 3
    "Rafael Costa": ("technical", 3, 1.0, 0.4),
    "Yuki Sato": ("technical", 3, 1.0, 0.2),
    "Nadia Kowalski": ("billing", 3, 0.9, 0.3),
}

AGENTS: dict[str, tuple[str, int]] = {
    name: (team, tier) for name, (team, tier, _, _) in AGENT_PROFILES.items()
}

SOURCE_BY_CHANNEL = {"slack": "slack"}
DEFAULT_SOURCE = "zendesk"

CHANNEL_WEIGHTS = {"chat": 35, "email": 35, "phone": 15, "web": 8, "social": 5, "slack": 2}
PRIORITY_WEIGHTS = {"low": 20, "normal": 55, "high": 18, "urgent": 7}
TIER_WEIGHTS = {1: 65, 2: 25, 3: 10}

# Per channel: first reply (median seconds, sigma of its log), whether the channel waits for
# business hours, resolution after the first reply (median seconds, sigma), one more round trip
# (median seconds), a first reply slower than this reads as "slow" to the customer, and whether
# the desk sends CSAT/CES surveys on it.
CHANNEL_PARAMS = {
    #          frt_med  frt_sig async  res_med   res_sig  trip     slow    csat
    "chat": (75, 1.0, False, 900, 0.8, 600, 600, True),
    "email": (9000, 0.9, True, 72000, 1.0, 28800, 28800, True),
    "phone": (40, 0.9, False, 0, 0.0, 86400, 300, False),
    "web": (10800, 0.9, True, 64800, 1.0, 28800, 28800, False),
    "social": (3000, 1.0, True, 14400, 1.0, 14400, 14400, False),
    "slack": (600, 1.0, False, 5400, 1.0, 3600, 3600, True),
}
FRT_BY_PRIORITY = {"low": 1.4, "normal": 1.0, "high": 0.6, "urgent": 0.3}
RESOLUTION_BY_PRIORITY = {"low": 1.3, "normal": 1.0, "high": 0.7, "urgent": 0.5}
ESCALATION_BY_TIER = {1: 0.12, 2: 0.06, 3: 0.015}

TEAM_TAGS = {
    "billing": {"billing": 5, "refund": 3, "shipping": 1.5, "how-to": 0.7, "feature-request": 0.3},
    "technical": {"bug": 5, "login": 3, "how-to": 2, "feature-request": 1, "outage": 0.2},
    "accounts": {"login": 4, "billing": 2, "how-to": 2, "refund": 0.5, "feature-request": 0.5},
    "onboarding": {"how-to": 5, "feature-request": 2, "shipping": 1.5, "login": 1, "billing": 0.5},
}
TAG_COUNT_WEIGHTS = {0: 20, 1: 50, 2: 23, 3: 7}

# Volume by local hour (weekday curve, peaking late morning) and the weekend curve, flatter
# and scaled so that a weekend day carries a third of a weekday.
WEEKDAY_HOURS = (
    0.15, 0.10, 0.08, 0.07, 0.08, 0.15, 0.35, 0.70, 1.20, 1.70, 2.00, 2.10,
    1.90, 1.70, 1.75, 1.60, 1.40, 1.10, 0.80, 0.60, 0.45, 0.35, 0.30, 0.20,
)  # fmt: skip
WEEKEND_SHAPE = (
    0.30, 0.20, 0.15, 0.12, 0.12, 0.18, 0.30, 0.50, 0.80, 1.10, 1.30, 1.40,
    1.35, 1.30, 1.25, 1.20, 1.10, 1.00, 0.90, 0.80, 0.70, 0.60, 0.50, 0.40,
)  # fmt: skip
WEEKEND_HOURS = tuple(
    w * sum(WEEKDAY_HOURS) / 3.0 / sum(WEEKEND_SHAPE) for w in WEEKEND_SHAPE
)
# The outage week: intensity by day from its first day (volume, tags, complaints, delays).
OUTAGE_LEVELS = (1.0, 0.8, 0.55, 0.35, 0.2, 0.1, 0.05)
# Business hours of the asynchronous queues (email, web, social): [open, close) local hours.
WEEKDAY_OPEN, WEEKEND_OPEN = (8, 19), (10, 16)
AUTO_CLOSE_SECONDS = 4 * 86400

FIRST_NAMES = (
    "nora", "james", "li", "fatima", "oliver", "sofia", "mateo", "aiko", "daniel", "amina",
    "lucas", "emma", "arjun", "chloe", "kwame", "isabel", "noah", "mei", "omar", "hannah",
    "ivan", "grace", "yusuf", "laura", "felix", "zara", "pablo", "elena", "ravi", "julia",
)  # fmt: skip
LAST_NAMES = (
    "kim", "smith", "chen", "ali", "brown", "garcia", "muller", "sato", "jones", "okoye",
    "silva", "martin", "patel", "dubois", "mensah", "lopez", "taylor", "wang", "haddad",
    "schmidt", "novak", "evans", "demir", "rossi", "singh", "nielsen", "costa", "fischer",
)  # fmt: skip
EMAIL_DOMAINS = (
    "example.com", "example.org", "example.net", "acme.example", "globex.example",
    "initech.example", "umbrella.example", "hooli.example", "stark.example",
)  # fmt: skip

COMMENTS = {
    "bad": (
        "Took days to get a real answer.",
        "I had to explain the problem three times.",
        "Still not fixed, and nobody told me why.",
        "The reply didn't address my question at all.",
        "Very slow. I was on hold forever.",
        "Closed the ticket without fixing anything.",
        'The "solution" was a link to the FAQ I had already read.',
        "Your outage cost us a day of work, and support had no answers.",
    ),
    "mixed": (
        "Fixed in the end, but it took a while.",
        "Friendly, though I needed a second ticket.",
        "OK. The answer was correct but hard to follow.",
        "Got there eventually.",
        "Helpful, but the wait was long.",
    ),
    "good": (
        "Quick and friendly, thanks!",
        "Solved on the first reply. Great service.",
        "Very helpful, explained everything clearly.",
        "Thank you, that was fast.",
        "Super patient and knowledgeable.",
        "Exactly what I needed, thanks a lot!",
        "Great support, as always.",
        "Fixed in minutes, impressive.",
    ),
}

# Thresholds on the latent satisfaction of a survey answer (see _score).
CSAT_CUTS = (-1.3, -0.65, 0.0, 0.85)
CES_CUTS = (-1.7, -1.15, -0.6, 0.0, 0.6, 1.35)
NPS_CUTS = (-2.4, -2.0, -1.65, -1.3, -0.95, -0.6, -0.2, 0.15, 0.5, 1.1)
