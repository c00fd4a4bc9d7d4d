"""Exports: CSV with a BOM that the csv module reads, headers in the reader's language, times in
the deployment's zone; Open311 GeoReport v2 with exactly its fields; no personal data in either;
rows read in batches; every export audited; `pingan export` writes the same file."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os

import pytest

from bot import cli
from bot.clock import ManualClock
from bot.config_reports import ReportSettings
from bot.config_stats import ExportSettings
from bot.i18n import using_locale
from bot.services import export as export_module
from bot.services.export import CSV_COLUMNS, OPEN311_FIELDS, ExportRequest, ExportService
from handlers.stats_labels import export_labels
from storage.audit import AuditRepo
from storage.db import Database
from storage.migrate import apply_migrations
from tests.stats_data import OFFICER_LI, RESIDENT_NAME, RESIDENT_PHONE, RESIDENT_USERNAME, CaseBook, local

PERSONAL = (RESIDENT_NAME, RESIDENT_PHONE, RESIDENT_USERNAME, "Officer Li", "3号楼", "电瓶车", "谢谢")
MARCH = ExportRequest(format="csv", since=local("2026-03-01 00:00"), until=local("2026-04-01 00:00"))


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "export.db")
    await apply_migrations(database)
    book = CaseBook(database)
    await book.people()
    closed = await book.case("2026-03-02 10:00", status="closed", grade="red", area="幸福小区", level="grid",
                             owner=OFFICER_LI, accepted_after=0.5, resolved_after=2, outcome="resolved",
                             location=(31.230416, 121.473701))
    await book.followup(closed, "2026-03-06 10:00", solved=True, stars=5)
    await book.case("2026-03-31 23:30", kind="dispute", category="noise", status="accepted", area="阳光花园",
                    accepted_after=30, anonymous=True)
    await book.case("2026-04-01 00:30", area="幸福小区")
    yield database
    await database.close()


async def export(db, request: ExportRequest, locale: str = "zh", settings: ExportSettings | None = None) -> bytes:
    service = ExportService(db, ManualClock(local("2026-04-02 12:00")), "Asia/Shanghai", AuditRepo(db),
                            settings or ExportSettings())
    out = io.BytesIO()
    with using_locale(locale):
        await service.write(request, out, export_labels(ReportSettings()), actor_id=OFFICER_LI)
    return out.getvalue()


async def test_csv_starts_with_a_bom_and_opens_with_the_csv_module(db):
    data = await export(db, MARCH)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:4] == ["编号", "类型", "类别", "片区"] and len(rows[0]) == len(CSV_COLUMNS)
    assert len(rows) == 3  # the header and March's two cases
    first = dict(zip(CSV_COLUMNS, rows[1], strict=True))
    assert first["ref"] == "PA-2026-000001" and first["area"] == "幸福小区" and first["grade"] == "红色"
    assert first["created"] == "2026-03-02 10:00" and first["resolved"] == "2026-03-02 12:00"  # Shanghai time
    assert (first["accepted_within_limit"], first["resolved_within_limit"]) == ("是", "是")
    assert (first["followup_solved"], first["followup_stars"]) == ("是", "5")
    late = dict(zip(CSV_COLUMNS, rows[2], strict=True))
    assert late["created"] == "2026-03-31 23:30" and late["accepted_within_limit"] == "否"
    assert late["resolved"] == "" and late["followup_solved"] == ""
    english = list(csv.reader(io.StringIO((await export(db, MARCH, "en")).decode("utf-8-sig"))))
    assert english[0][:3] == ["Reference", "Type", "Category"] and english[1][1] == "Incident"


async def test_open311_has_the_georeport_fields_and_a_rounded_location(db):
    requests = json.loads(await export(db, ExportRequest(format="open311", since=None, until=None)))
    assert [r["service_request_id"] for r in requests] == ["PA-2026-000001", "PA-2026-000002", "PA-2026-000003"]
    for request in requests:
        assert set(request) <= set(OPEN311_FIELDS)
        assert set(OPEN311_FIELDS) - {"lat", "long"} <= set(request)
        assert "media_url" not in request and "description" not in request
    first = requests[0]
    assert first["status"] == "closed" and requests[1]["status"] == "open"
    assert first["service_code"] == "incident.theft" and first["address"] == "幸福小区"
    assert (first["lat"], first["long"]) == (31.23, 121.474)  # about 100 m
    assert first["requested_datetime"] == "2026-03-02T10:00:00+08:00"
    assert "lat" not in requests[1]
    hidden = json.loads(await export(db, ExportRequest(format="open311", since=None, until=None),
                                     settings=ExportSettings(location_decimals=None, agency="幸福派出所")))
    assert "lat" not in hidden[0] and hidden[0]["agency_responsible"] == "幸福派出所"


@pytest.mark.parametrize("fmt", ["csv", "open311"])
async def test_no_personal_data_in_any_export(db, fmt):
    for locale in ("zh", "en"):
        text = (await export(db, ExportRequest(format=fmt, since=None, until=None), locale)).decode("utf-8-sig")
        for personal in PERSONAL:
            assert personal not in text, (fmt, personal)


async def test_rows_come_in_batches_each_once_and_every_export_is_audited(db, monkeypatch):
    monkeypatch.setattr(export_module, "BATCH", 2)
    data = await export(db, ExportRequest(format="csv", since=None, until=None, areas=("幸福小区",)))
    refs = [row[0] for row in csv.reader(io.StringIO(data.decode("utf-8-sig")))][1:]
    assert refs == ["PA-2026-000001", "PA-2026-000003"]
    entries = await AuditRepo(db).entries(subject_type="export")
    assert entries[0].action == "stats.exported" and entries[0].actor_id == OFFICER_LI
    assert entries[0].detail["cases"] == 2 and entries[0].detail["areas"] == ["幸福小区"]


async def test_pingan_export_writes_the_same_file(db, tmp_path, monkeypatch):
    config_file = tmp_path / "config.yaml"
    config_file.write_text(f"storage:\n  path: {db.path}\ndefault_language: zh\n", encoding="utf-8")
    output = tmp_path / "march.csv"
    for variable in [v for v in os.environ if v.startswith("PINGAN_")]:
        monkeypatch.delenv(variable)
    code = await asyncio.to_thread(cli.main, ["export", "--config", str(config_file), "--format", "csv",
                                              "--from", "2026-03-01", "--to", "2026-03-31", "--output", str(output)])
    assert code == 0
    assert output.read_bytes() == await export(db, MARCH)
    bad = await asyncio.to_thread(cli.main, ["export", "--config", str(config_file), "--from", "2026-03-31",
                                             "--to", "2026-03-01"])
    assert bad == 2
