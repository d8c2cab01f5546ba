"""Every fuzzy "did you mean": the KPIs nearest to some words, and the values nearest to a word
that names none (an agent, a team, a tag, a digest).
"""

from __future__ import annotations

from kpi_engine.metrics.registry import METRICS


def suggest_metrics(words: str, limit: int = 3) -> list[str]:
    """The ids of the metrics whose names are nearest to `words`."""
    from rapidfuzz import fuzz, process

    names = {name: metric.id for metric in METRICS for name in (metric.id, *metric.synonyms)}
    matches = process.extract(words.lower(), list(names), scorer=fuzz.WRatio, limit=limit * 4)
    suggestions: list[str] = []
    for name, score, _ in matches:
        metric_id = names[name]
        if score >= 50 and metric_id not in suggestions:
            suggestions.append(metric_id)
    return suggestions[:limit] or [metric.id for metric in METRICS[:limit]]


def nearest(word: str, choices: list[str], limit: int = 3) -> list[str]:
    """The choices closest to `word`, best first (fuzzy)."""
    from rapidfuzz import fuzz, process

    matches = process.extract(word, choices, scorer=fuzz.WRatio, limit=limit)
    return [choice for choice, score, _ in matches if score >= 50]
