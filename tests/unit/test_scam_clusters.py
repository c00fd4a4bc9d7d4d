"""Checks kept for the figures: what is stored (never who, once past the window), the clusters
several residents of one area raise, the retention purge on a moved clock, and the figures."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.config import Settings
from bot.runtime import open_services
from storage.people import PeopleRepo
from storage.scam_checks import ScamCheckRepo

NOW = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
AREA = "幸福小区"
SAFE_ACCOUNT = "我是市公安局警官，你涉嫌洗钱，请把存款转到安全账户，电话 +86 138-0013-8000"
LOAN_LINK = "无抵押秒到账，点击 http://www.Daikuan-VIP.cc/apply?id=7 下载APP，放款前交保证金"


@pytest.fixture
async def services(tmp_path):
    clock = ManualClock(NOW)
    config = Settings(storage={"path": str(tmp_path / "pingan.db")}, scam_check={"cluster_threshold": 3})
    services = await open_services(config, clock)
    people = PeopleRepo(services.db)
    for user_id in range(1, 6):
        await people.ensure_exists(user_id, NOW)
        await people.set_area(user_id, AREA if user_id <= 4 else None, NOW)
    yield services
    await services.db.close()


async def _check(services, user_id: int, text: str):
    verdict = services.scam_rules.checker.check(text)
    return await services.scam_clusters.record(user_id, text, verdict)


async def test_a_check_is_kept_with_its_type_area_and_normalised_numbers_and_links(services):
    await _check(services, 1, SAFE_ACCOUNT)
    await _check(services, 5, LOAN_LINK)
    police, loan = sorted(await ScamCheckRepo(services.db).with_text(10), key=lambda c: c.id)
    assert (police.area, police.type_id, police.phones, police.links) == (AREA, "fake_police", ["13800138000"], [])
    assert (loan.area, loan.type_id, loan.links) == (None, "fake_loan", ["daikuan-vip.cc"])  # no area known
    assert "checker" not in type(police).model_fields  # who checked is never read back


async def test_three_residents_of_one_area_raise_one_cluster_per_key_once_in_the_window(services):
    assert await _check(services, 1, SAFE_ACCOUNT) is None
    assert await _check(services, 1, SAFE_ACCOUNT) is None  # the same resident again counts once
    assert await _check(services, 2, SAFE_ACCOUNT) is None
    wave = await _check(services, 3, SAFE_ACCOUNT)
    assert (wave.kind, wave.value, wave.also, wave.residents) == ("type", "fake_police", [("phone", "13800138000")], 3)
    assert wave.area == AREA and "138" in wave.sample and wave.warned_at is None
    assert await _check(services, 4, SAFE_ACCOUNT) is None  # raised already within the window
    # The same number in another kind of message is the same wave: not raised again either.
    assert await _check(services, 4, "您的快递丢了，理赔请回电 13800138000") is None
    services.clock.advance(timedelta(hours=25))
    assert await _check(services, 4, SAFE_ACCOUNT) is None  # a new window: one resident so far


async def test_a_resident_without_a_known_area_never_makes_a_cluster(services):
    for _ in range(4):
        assert await _check(services, 5, SAFE_ACCOUNT) is None


async def test_texts_are_forgotten_after_the_retention_and_checkers_after_the_window(services):
    await _check(services, 1, SAFE_ACCOUNT)
    repo = ScamCheckRepo(services.db)
    services.clock.advance(timedelta(hours=25))
    purged = await services.scam_clusters.purge()
    assert (purged.checkers, purged.texts) == (1, 0)
    assert await repo.residents_since(AREA, NOW - timedelta(days=1), type_id="fake_police") == 0
    assert [c.text for c in await repo.with_text(10)] == [SAFE_ACCOUNT]
    services.clock.advance(timedelta(days=30))
    assert (await services.scam_clusters.purge()).texts == 1
    assert await repo.with_text(10) == []
    kept = await repo.get(1)
    assert (kept.text, kept.phones, kept.type_id, kept.area) == (None, [], "fake_police", AREA)
    assert (await services.scam_clusters.purge()).texts == 0  # a second run (a restart) changes nothing


async def test_figures_count_checks_per_day_and_area_by_type_share_flagged_and_clusters(services):
    for user_id in (1, 2, 3):
        await _check(services, user_id, SAFE_ACCOUNT)
    await _check(services, 5, "【菜鸟驿站】您的快递已到小区东门驿站，取件码3-2-1024，请及时领取。")
    services.clock.advance(timedelta(days=1))
    await _check(services, 5, LOAN_LINK)
    figures = await services.scam_figures.figures(NOW - timedelta(hours=1), NOW + timedelta(days=2))
    assert (figures.checks, figures.flagged, figures.clusters) == (5, 4, 1)
    assert figures.share_flagged == pytest.approx(0.8)
    assert figures.by_type == {"fake_police": 3, "fake_loan": 1}
    assert figures.per_day == {date(2026, 3, 2): {AREA: 3, None: 1}, date(2026, 3, 3): {None: 1}}
    local = await services.scam_figures.figures(NOW - timedelta(hours=1), NOW + timedelta(days=2), AREA)
    assert (local.checks, local.flagged, local.clusters, local.by_type) == (3, 3, 1, {"fake_police": 3})
    empty = await services.scam_figures.figures(NOW + timedelta(days=5), NOW + timedelta(days=6))
    assert (empty.checks, empty.share_flagged) == (0, None)
