"""The figures against values worked out by hand on a small fixed set of cases (tests/stats_data.py):
no cases, anonymous reporters, a reopened case, a case spanning two periods, a leap year, the last
quarter across a year boundary."""

from __future__ import annotations

import pytest

from bot.clock import ManualClock
from bot.config_stats import BriefingSettings
from bot.services.stats import StatsService
from storage.db import Database
from storage.migrate import apply_migrations
from storage.stats import StatsRepo
from tests.stats_data import OFFICER_LI, OFFICER_WANG, CaseBook, local

HOUR = 3600


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "stats.db")
    await apply_migrations(database)
    yield database
    await database.close()


def service(db, now: str) -> StatsService:
    return StatsService(db, ManualClock(local(now)), "Asia/Shanghai", BriefingSettings())


async def march_2026(db) -> CaseBook:
    """Seven cases in March 2026, one just after, two in February, one in March 2025."""
    book = CaseBook(db)
    await book.people()
    a = await book.case("2026-03-02 10:00", status="closed", grade="red", area="幸福小区", level="grid",
                        owner=OFFICER_LI, accepted_after=0.5, resolved_after=2, outcome="resolved")
    await book.followup(a, "2026-03-06 10:00", solved=True, stars=5)
    b = await book.case("2026-03-03 09:00", status="followed_up", grade="yellow", area="幸福小区", level="community",
                        owner=OFFICER_WANG, accepted_after=30, resolved_after=80, outcome="resolved")
    await book.followup(b, "2026-03-10 10:00", solved=False, stars=2)
    await book.case("2026-03-10 12:00", kind="dispute", category="noise", status="resolved", grade="green",
                    area="阳光花园", owner=OFFICER_LI, accepted_after=1, resolved_after=10, outcome="mediated")
    d = await book.case("2026-03-15 08:00", kind="dispute", category="noise", status="closed", grade="green",
                        area="阳光花园", owner=OFFICER_WANG, accepted_after=2, resolved_after=4,
                        outcome="mediation_failed")
    await book.followup(d, "2026-03-20 10:00", no_response=True)
    # Reopened after it was resolved: open again, its first resolution no longer counts.
    await book.case("2026-03-20 10:00", category="fraud", status="reopened", grade="orange", area="幸福小区",
                    owner=OFFICER_LI, accepted_after=1, resolved_after=5, outcome="resolved", resolve_limit=24)
    # Reported on the last evening of March, resolved on 1 April: a March case.
    await book.case("2026-03-31 23:30", status="resolved", grade="yellow", area="幸福小区", owner=OFFICER_WANG,
                    accepted_after=1, resolved_after=10, outcome="resolved")
    await book.case("2026-04-01 00:30", area="幸福小区")  # April's, not yet accepted
    await book.case("2026-03-05 11:00", status="rejected", area="阳光花园")
    await book.case("2026-03-06 11:00", complete=False)  # an urgent report still being finished
    await book.case("2026-02-10 10:00", status="closed", accepted_after=1, resolved_after=3, outcome="resolved")
    await book.case("2026-02-27 10:00", kind="dispute", category="noise", status="resolved", accepted_after=1,
                    resolved_after=3, outcome="mediated")
    await book.case("2025-03-12 10:00", status="closed", accepted_after=1, resolved_after=3, outcome="resolved")
    return book


async def test_no_cases_give_zeros_and_no_shares(db):
    stats = service(db, "2026-04-02 12:00")
    report = await stats.report(stats.period("last_month"), with_workload=True)
    now = report.current
    assert (now.cases.received, now.cases.resolved, now.followups.asked) == (0, 0, 0)
    assert now.on_time is None and now.accepted_on_time is None and now.satisfaction is None
    assert now.mediation_success is None and now.solved is None
    assert now.durations.to_resolve.median is None and now.durations.to_accept.p90 is None
    assert (report.open_now.open, report.open_now.overdue) == (0, 0)
    assert report.workload == [] and now.cases.by_category == {}


async def test_a_months_figures_by_hand(db):
    await march_2026(db)
    stats = service(db, "2026-04-02 12:00")
    report = await stats.report(stats.period("last_month"), with_workload=True)
    cases = report.current.cases
    assert (report.period.first_day.isoformat(), report.period.last_day.isoformat()) == ("2026-03-01", "2026-03-31")
    assert (cases.received, cases.incidents, cases.disputes) == (7, 5, 2)
    assert cases.by_category == {("incident", "theft"): 4, ("dispute", "noise"): 2, ("incident", "fraud"): 1}
    assert cases.by_grade == {"red": 1, "yellow": 2, "green": 2, "orange": 1, "": 1}
    assert cases.by_level == {"grid": 1, "community": 1, "": 5}
    assert (cases.resolved, cases.resolved_on_time, cases.rejected, cases.still_open) == (5, 4, 1, 1)
    assert (cases.accepted, cases.accepted_on_time) == (6, 5)
    assert (cases.mediated, cases.mediation_failed) == (1, 1)
    assert report.current.mediation_success == 0.5
    assert cases.by_outcome == {"resolved": 3, "mediated": 1, "mediation_failed": 1}
    # Accepted after 0.5, 30, 1, 2, 1, 1 hours: the 3rd of 6 and the 6th of 6.
    assert report.current.durations.to_accept.median == pytest.approx(1 * HOUR, abs=1)
    assert report.current.durations.to_accept.p90 == pytest.approx(30 * HOUR, abs=1)
    # Resolved after 2, 80, 10, 4, 10 hours (the reopened case's 5 no longer counts).
    assert report.current.durations.to_resolve.median == pytest.approx(10 * HOUR, abs=1)
    assert report.current.durations.to_resolve.p90 == pytest.approx(80 * HOUR, abs=1)
    assert report.current.durations.to_resolve_by_grade == {}  # asked for by the chart only
    by_grade = (await StatsRepo(db).durations(report.period.since, report.period.until, None,
                                              by_grade=True)).to_resolve_by_grade
    assert by_grade["red"].median == pytest.approx(2 * HOUR, abs=1)
    assert (by_grade["yellow"].median, by_grade["yellow"].p90) == (pytest.approx(10 * HOUR, abs=1),
                                                                   pytest.approx(80 * HOUR, abs=1))
    assert by_grade["green"].median == pytest.approx(4 * HOUR, abs=1)
    followups = report.current.followups
    assert (followups.asked, followups.answered, followups.solved, followups.no_response) == (3, 2, 1, 1)
    assert (followups.rated, followups.satisfied, followups.average_stars) == (2, 1, 3.5)
    # The reopened case is past its new limit; April's case was not accepted within 24 hours.
    assert (report.open_now.open, report.open_now.overdue) == (2, 2)
    assert [(w.owner_id, w.open, w.overdue, w.resolved) for w in report.workload] == [
        (OFFICER_LI, 1, 1, 2), (OFFICER_WANG, 0, 0, 2)]  # Wang's 31 March case was resolved in April
    assert report.previous.cases.received == 2 and report.previous.cases.mediated == 1
    assert report.year_before.cases.received == 1


async def test_one_area_counts_its_cases_only(db):
    await march_2026(db)
    stats = service(db, "2026-04-02 12:00")
    report = await stats.report(stats.period("last_month"), areas=("幸福小区",))
    assert (report.current.cases.received, report.current.cases.disputes) == (4, 0)
    assert report.current.followups.asked == 2
    assert (report.open_now.open, report.open_now.overdue) == (2, 2)
    assert (await stats.report(stats.period("last_month"), areas=("阳光花园",))).open_now.open == 0


async def test_the_case_spanning_two_months_counts_in_the_month_it_was_reported(db):
    await march_2026(db)
    stats = service(db, "2026-04-02 12:00")
    april = await stats.figures(stats.period("month"))
    assert april.cases.received == 1 and april.cases.resolved == 0
    workload = await stats.report(stats.period("month"), with_workload=True)
    assert [(w.owner_id, w.resolved) for w in workload.workload] == [(OFFICER_LI, 0), (OFFICER_WANG, 1)]


async def test_anonymous_reports_are_counted_like_any_other(db):
    book = CaseBook(db)
    await book.people()
    for day in ("2026-03-02 10:00", "2026-03-03 10:00", "2026-03-04 10:00"):
        await book.case(day, anonymous=True, status="resolved", accepted_after=1, resolved_after=2,
                        outcome="resolved")
    stats = service(db, "2026-04-02 12:00")
    figures = await stats.figures(stats.period("last_month"))
    assert (figures.cases.received, figures.cases.resolved, figures.on_time) == (3, 3, 1.0)


async def test_a_leap_february_against_the_february_a_year_before(db):
    book = CaseBook(db)
    await book.people()
    await book.case("2024-02-01 09:00")
    await book.case("2024-02-29 23:00")  # the leap day, late evening: still February
    await book.case("2024-03-01 00:30")
    await book.case("2023-02-28 10:00")
    await book.case("2024-01-15 10:00")
    stats = service(db, "2024-03-10 12:00")
    report = await stats.report(stats.period("last_month"))
    assert (report.period.days, report.current.cases.received) == (29, 2)
    assert (report.year_before.period.first_day.isoformat(), report.year_before.period.last_day.isoformat()) == (
        "2023-02-01", "2023-02-28")
    assert report.year_before.cases.received == 1
    assert report.previous.cases.received == 1  # January 2024


async def test_the_last_quarter_across_the_year_boundary(db):
    book = CaseBook(db)
    await book.people()
    await book.case("2025-10-01 00:00")
    await book.case("2025-12-31 23:30")
    await book.case("2026-01-01 00:10")
    await book.case("2025-09-30 23:59")
    await book.case("2024-11-11 11:00")
    stats = service(db, "2026-01-15 12:00")
    report = await stats.report(stats.period("last_quarter"))
    assert (report.period.first_day.isoformat(), report.period.last_day.isoformat()) == ("2025-10-01", "2025-12-31")
    assert report.current.cases.received == 2
    assert report.previous.cases.received == 1  # July–September 2025
    assert report.year_before.cases.received == 1  # October–December 2024
    assert (await stats.figures(stats.period("quarter"))).cases.received == 1


async def test_the_chart_data_has_a_bar_per_day_and_the_year_before(db):
    await march_2026(db)
    stats = service(db, "2026-04-02 12:00")
    data = await stats.chart_data(stats.period("last_month"))
    assert data.bucket_days == 1 and len(data.cases) == 31
    assert data.cases[1] == {"incident": 1, "dispute": 0} and data.cases[30] == {"incident": 1, "dispute": 0}
    assert sum(data.year_before) == 1 and data.year_before[11] == 1  # 12 March 2025
    assert data.satisfaction[5] == 1.0 and data.satisfaction[9] == 0.0 and data.satisfaction[0] is None
    assert data.to_resolve_by_grade["red"] == pytest.approx(2.0, abs=0.01)
    quarter = await stats.chart_data(stats.periods.custom(local("2026-01-01 00:00").date(),
                                                          local("2026-03-31 00:00").date()))
    assert quarter.bucket_days == 7 and len(quarter.cases) == 13


async def test_the_briefing_lists_overdue_and_not_solved_cases(db):
    await march_2026(db)
    stats = service(db, "2026-04-02 12:00")
    briefing = await stats.briefing(stats.periods.custom(local("2026-03-09 00:00").date(),
                                                         local("2026-03-15 00:00").date()), None)
    assert briefing.overdue_total == 2
    assert [(c.ref, c.owner_name) for c in briefing.overdue] == [("PA-2026-000005", "Officer Li"),
                                                                 ("PA-2026-000007", None)]
    assert [c.ref for c in briefing.not_solved] == ["PA-2026-000002"]
