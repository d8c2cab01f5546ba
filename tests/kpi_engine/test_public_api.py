"""kpi_engine's curated public API: every name it promises resolves, and importing it loads
nothing heavy until a name is used."""

from __future__ import annotations

import subprocess
import sys

import kpi_engine


def test_every_exported_name_resolves():
    for name in kpi_engine.__all__:
        assert getattr(kpi_engine, name) is not None, name


def test_importing_the_package_is_cheap():
    code = "import sys, kpi_engine; print('sqlalchemy' in sys.modules, 'slack_bolt' in sys.modules)"
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.split() == ["False", "False"]


def test_the_offline_question_path_never_loads_langchain():
    code = ("import sys; from kpi_engine.question.answers import QuestionAnswerer; "
            "from kpi_engine.question import read_question, follow_up, understand; "
            "print('langchain' in sys.modules or 'langchain_core' in sys.modules)")
    output = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert output.stdout.split() == ["False"]
