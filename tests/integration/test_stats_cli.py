"""``vatra stats``: the page's tables on the command line, suppressed the same
way, as Markdown, CSV or Excel."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from projections.obligations import ObligationsProjection
from projections.statistics import StatisticsProjection
from services.app.service import CaseApplication
from services.cli.main import main
from services.config.bootstrap import Backbone
from services.config.read_models import EVENTS_TABLE
from services.stats.reading import CONSUMERS
from services.store.database import Database
from tests import stats_data as d

YEAR = ["--from", "2025-01-01", "--to", "2025-12-31"]


def test_stats_writes_the_tables_of_a_period_in_each_format(
    backbone: Backbone, external_env: Database, tmp_path: Path
) -> None:
    plan = d.load(backbone)
    sources = d.count_identified(plan, d.YEAR_2025, "source")

    out = tmp_path / "stats.csv"
    args = [*YEAR, "--by", "identified_source", "--output", str(out)]
    assert main(["stats", *args, "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    counted = {r[0]: r[1] for r in rows if len(r) == 2 and r[1].isdigit()}
    assert counted["the hotline"] == str(sources["hotline"])
    assert counted["Total"] == str(len(plan))
    assert ["Identified persons by source"] in rows

    out = tmp_path / "stats.xlsx"
    args = [*YEAR, "--preset", "report", "--format", "xlsx", "--output", str(out)]
    assert main(["stats", *args, "--language", "sq"]) == 0
    book = load_workbook(out)
    assert "identified_sex_age" in book.sheetnames
    assert book.worksheets[0]["A1"].value == "Periudha"

    out = tmp_path / "stats.md"
    assert main(["stats", *YEAR, "--by", "services", "--output", str(out)]) == 0
    text = out.read_text()
    assert "## Services started and completed, for each of the 24 services" in text
    assert text.count("\n| ") == 1 + 24 + 1  # heading, the 24 services, total


def test_stats_counts_a_case_the_read_models_had_not_caught_up_with(
    backbone: Backbone, external_env: Database, tmp_path: Path
) -> None:
    plan = d.load(backbone)
    late = d.scripts(len(plan) + 1, d.SEED)
    backbone.app.save(d.build_case(list(late)[-1]))  # not projected yet
    out = tmp_path / "stats.csv"
    args = [*YEAR, "--by", "identified_source", "--output", str(out)]
    assert main(["stats", *args, "--format", "csv"]) == 0
    rows = list(csv.reader(io.StringIO(out.read_text("utf-8-sig"))))
    assert ["Total", str(len(plan) + 1)] in rows


def test_the_read_models_the_command_checks_are_the_backbones() -> None:
    assert set(CONSUMERS) == {StatisticsProjection.name, ObligationsProjection.name}
    assert CaseApplication.name.lower() + "_events" == EVENTS_TABLE


def test_stats_refuses_a_period_that_ends_before_it_starts(
    external_env: Database, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["stats", "--from", "2025-02-01", "--to", "2025-01-01"]) == 2
    assert "ends before it starts" in capsys.readouterr().err
