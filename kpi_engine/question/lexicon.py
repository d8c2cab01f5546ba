"""The values a question may name: the fixed ones (tiers, channels, priorities, survey kinds)
and the database's own agents, teams and tags, indexed for reading — by lower case, and agents
also by first name and by last name alone, which may stand for more than one agent.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein

from kpi_engine.vocabulary import CHANNELS, PRIORITIES, TIERS, Dimension, SurveyKind


@dataclass(frozen=True)
class Lexicon:
    """Known dimension values. Build with `Lexicon.of(agents=..., teams=..., tags=...)` or
    `load_lexicon(db)`."""

    agents: tuple[str, ...] = ()
    teams: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()
    # lower-case spelling -> the values it stands for (an agent's first name may be several)
    _index: dict[Dimension, dict[str, tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False)

    @classmethod
    def of(cls, *, agents=(), teams=(), tags=()) -> Lexicon:
        clean = lambda values: tuple(sorted({v.strip() for v in values if v and v.strip()}))  # noqa: E731
        lexicon = cls(agents=clean(agents), teams=clean(teams), tags=clean(tags))
        lexicon._index.update(lexicon._build_index())
        return lexicon

    def _build_index(self) -> dict[Dimension, dict[str, tuple[str, ...]]]:
        index: dict[Dimension, dict[str, tuple[str, ...]]] = {
            Dimension.TIER: {tier: (tier,) for tier in TIERS},
            Dimension.CHANNEL: {channel: (channel,) for channel in CHANNELS},
            Dimension.PRIORITY: {priority: (priority,) for priority in PRIORITIES},
            Dimension.KIND: {kind.value: (kind.value,) for kind in SurveyKind},
            Dimension.TEAM: {team.lower(): (team,) for team in self.teams},
            Dimension.TAG: {tag.lower(): (tag,) for tag in self.tags},
        }
        full = {agent.lower(): (agent,) for agent in self.agents}
        parts: dict[str, list[str]] = defaultdict(list)
        for agent in self.agents:
            words = agent.split()
            if len(words) > 1:
                for word in {words[0].lower(), words[-1].lower()}:
                    parts[word].append(agent)
        shared = {word + "s": tuple(agents) for word, agents in parts.items()
                  if len(agents) > 1 and word + "s" not in parts}  # "the Sams": all of them
        index[Dimension.AGENT] = {**shared, **{k: tuple(v) for k, v in parts.items()}, **full}
        return index

    def values(self, dimension: Dimension) -> tuple[str, ...]:
        """Every known value of the dimension (empty for customers: they are not listed)."""
        match dimension:
            case Dimension.AGENT:
                return self.agents
            case Dimension.TEAM:
                return self.teams
            case Dimension.TAG:
                return self.tags
            case Dimension.CUSTOMER:
                return ()
            case Dimension.TIER | Dimension.CHANNEL | Dimension.PRIORITY | Dimension.KIND:
                return tuple(self._index[dimension])

    def lookup(self, dimension: Dimension, spelling: str) -> tuple[str, ...]:
        """The values `spelling` stands for (any case; an agent's first or last name alone
        may stand for several); empty when it is not a known value."""
        return self._index.get(dimension, {}).get(spelling.strip().lower(), ())

    def misspelt(self, dimension: Dimension, spelling: str) -> list[str]:
        """The known spellings a misspelling may stand for (see `closest`)."""
        return closest(spelling.strip().lower(), list(self._index.get(dimension, {})))

    def spellings(self, dimension: Dimension) -> dict[str, tuple[str, ...]]:
        """Lower-case spelling -> values, for the reader's phrase index."""
        return self._index.get(dimension, {})


def load_lexicon(db: sa.Engine) -> Lexicon:
    """The database's agents, teams and tags (one small query)."""
    from kpi_engine.storage.dimension_values import read_dimension_values

    with db.connect() as connection:
        values = read_dimension_values(connection)
    return Lexicon.of(agents=values[Dimension.AGENT], teams=values[Dimension.TEAM],
                      tags=values[Dimension.TAG])


MIN_TYPO_LENGTH = 4  # shorter words are too easily another word


def allowed_edits(text: str) -> int:
    """How many edits a misspelling of `text` may have: none under four letters, one up to
    eight, two beyond (a swap of two letters counts as one)."""
    return 0 if len(text) < MIN_TYPO_LENGTH else 1 if len(text) <= 8 else 2


def closest(text: str, choices: Sequence[str]) -> list[str]:
    """The choices nearest to `text` within the allowed edits (every one at the best
    distance); empty when none is close enough."""
    edits = allowed_edits(text)
    if not edits or not choices:
        return []
    found = process.extract(text, choices, scorer=DamerauLevenshtein.distance,
                            score_cutoff=edits, limit=8)
    if not found:
        return []
    best = min(distance for _, distance, _ in found)
    return [choice for choice, distance, _ in found if distance == best]
