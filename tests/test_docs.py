"""The documentation a clone carries: every relative link in README.md and docs/ points at a
file of the repository (the README once linked to ../shared/…, which a clone does not have)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_points_at_a_file_of_the_repository(document):
    broken = []
    for target in LINK.findall(document.read_text(encoding="utf-8")):
        if re.match(r"[a-z]+://|mailto:", target):
            continue
        resolved = (document.parent / target).resolve()
        if not resolved.exists() or ROOT not in resolved.parents and resolved != ROOT:
            broken.append(target)
    assert broken == []


def test_the_kpi_table_of_the_definitions_names_every_kpi_of_the_registry():
    """Adding a KPI to the registry without defining it for people fails here."""
    from kpi_engine.metrics import METRICS

    text = (ROOT / "docs" / "kpi-definitions.md").read_text(encoding="utf-8")
    table = text.split("## The KPIs", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"^\| ([a-z_]+) \|", table, flags=re.M)) - {"id"}
    assert documented == {metric.id for metric in METRICS}
