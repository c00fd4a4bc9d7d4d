"""Checks kept, and the waves they show: each check is stored without who made it (who is kept
only for the cluster window, to count distinct residents; the text only for the retention), and
when several residents of one area check the same fraud type, number or link within the window a
cluster is raised once for the area's officers, who may push a ready-made warning to the area's
groups through the notices outbox (paced like every notice, sent once)."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from bot.clock import Clock
from bot.config_scam import ScamCheckSettings
from bot.i18n import gettext_in
from bot.roles import may_issue_alerts
from bot.services.errors import NotAllowed
from bot.services.groups import GroupService
from bot.services.notices import NoticeService
from bot.services.scam_check import Verdict, defang, defang_links, normalised_link, normalised_phone
from bot.services.scam_rules import ScamRules
from storage.audit import AuditRepo
from storage.db import Database
from storage.models import Group, Role
from storage.outbox import OutboxRepo
from storage.scam_checks import ScamCheckRepo, ScamCluster, ScamClusterRepo, resident_area

logger = logging.getLogger(__name__)

#: The sample shown to officers is at most this long.
SAMPLE_CHARS = 300


class ClusterGone(Exception):
    """No such cluster (a forged or very old button)."""


class NoGroups(Exception):
    """The cluster's area has no residents' group to warn."""


@dataclass(frozen=True)
class WarningPushed:
    """The outcome of a press of "Warn the area's groups": queued now, or already by someone."""

    cluster: ScamCluster
    queued: int
    already: bool


@dataclass(frozen=True)
class Purged:
    texts: int
    checkers: int


class ScamClusters:
    """Records checks, raises clusters, pushes warnings, and forgets what is past its time."""

    def __init__(self, db: Database, clock: Clock, settings: ScamCheckSettings, *, rules: ScamRules,
                 groups: GroupService, notices: NoticeService) -> None:
        self._db = db
        self._clock = clock
        self.settings = settings
        self._rules = rules
        self._groups = groups
        self._notices = notices
        self._checks = ScamCheckRepo(db)
        self._clusters = ScamClusterRepo(db)
        self._outbox = OutboxRepo(db)
        self._audit = AuditRepo(db)

    @property
    def window(self) -> timedelta:
        return timedelta(hours=self.settings.cluster_window_hours)

    async def record(self, user_id: int, text: str, verdict: Verdict) -> ScamCluster | None:
        """Stores the check; returns the cluster it raised, if any: every key (type, number, host)
        it takes over the threshold, in one wave, each key raised once per window."""
        now = self._clock.now()
        area = await resident_area(self._db, user_id)
        phones = sorted({normalised_phone(p) for p in verdict.phones})
        links = sorted({normalised_link(link) for link in verdict.links} - {""})
        async with self._db.transaction():
            await self._checks.add(now, area, verdict.type_id, text, phones, links, user_id)
            if area is None:
                return None
            since = now - self.window
            keys = [("type", verdict.type_id, {"type_id": verdict.type_id})] if verdict.type_id else []
            keys += [("phone", p, {"phone": p}) for p in phones] + [("link", h, {"link": h}) for h in links]
            crossed, residents = [], 0
            for kind, value, match in keys:
                count = await self._checks.residents_since(area, since, **match)
                if count >= self.settings.cluster_threshold and \
                        not await self._clusters.raised_since(area, kind, value, since):
                    crossed.append((kind, value))
                    residents = max(residents, count)
            if not crossed:
                return None
            cluster_id = await self._clusters.add(now, area, crossed, verdict.type_id, residents, _sample(text))
        cluster = await self._clusters.get(cluster_id)
        logger.info("scam cluster %s in %s: %s, %d residents", cluster.id, cluster.area, crossed, residents)
        return cluster

    async def cluster(self, cluster_id: int) -> ScamCluster | None:
        return await self._clusters.get(cluster_id)

    async def groups_to_warn(self, cluster: ScamCluster) -> list[Group]:
        """The residents' groups of the cluster's area (never the staff chats)."""
        return await self._groups.targets([], [cluster.area])

    async def push_warning(self, cluster_id: int, actor_id: int, roles: Iterable[Role]) -> WarningPushed:
        """Queues the ready-made warning to the area's groups, once: the first press marks the
        cluster warned in the same transaction as the outbox rows, a second one queues nothing."""
        if not may_issue_alerts(roles):
            raise NotAllowed()
        cluster = await self._clusters.get(cluster_id)
        if cluster is None:
            raise ClusterGone()
        groups = await self.groups_to_warn(cluster)
        if not groups:
            raise NoGroups()
        now = self._clock.now()
        async with self._db.transaction():
            if not await self._clusters.mark_warned(cluster_id, actor_id, now):
                return WarningPushed(await self._clusters.get(cluster_id), 0, already=True)
            rows = [self._warning_row(cluster, group, now) for group in groups]
            added = await self._outbox.add_many(rows, now)
            await self._audit.record(now, actor_id, "scam_cluster.warned", "scam_cluster", cluster_id,
                                     {"area": cluster.area, "groups": len(added)})
        return WarningPushed(await self._clusters.get(cluster_id), len(added), already=False)

    def _warning_row(self, cluster: ScamCluster, group: Group, now) -> dict:
        locale = self._notices.locale_of(group)
        zone = group.timezone or self._notices.timezone
        return {"key": f"scamwarn:{cluster.id}:{group.id}", "schedule_id": None, "occurrence": now,
                "group_id": group.id, "chat_id": group.chat_id, "locale": locale,
                "text": self.warning_text(cluster, locale), "image": None,
                "not_before": self._notices.after_quiet_hours(group, now, zone)}

    def warning_text(self, cluster: ScamCluster, locale: str) -> str:
        """The ready-made warning for the area's groups (HTML): what is going round, what to do."""
        title = gettext_in(locale, "⚠️ Anti-fraud warning from your community police")
        lines = [f"<b>{html.escape(title)}</b>", ""]
        fraud = self._rules.library.types.get(cluster.type_id) if cluster.type_id else None
        if fraud is not None:
            lines.append(html.escape(gettext_in(
                locale, "Several residents of {area} have received messages of a known scam: {kind}.").format(
                area=cluster.area, kind=fraud.name(locale))))
        else:
            lines.append(html.escape(gettext_in(
                locale, "Several residents of {area} have received suspicious messages.").format(area=cluster.area)))
        for kind, value in keys_of(cluster):
            if kind == "phone":
                lines.append(html.escape(gettext_in(locale, "Do not answer or call back this number: {number}.")
                                         .format(number=value)))
            elif kind == "link":
                lines.append(html.escape(gettext_in(locale, "Do not open this link: {link}.").format(
                    link=defang(value))))
        if fraud is not None:
            lines += ["", html.escape(fraud.advice.in_locale(locale))]
        lines += [""] + [html.escape(f"• {line}") for line in self._rules.checker.general_advice(locale)]
        lines += ["", html.escape(gettext_in(locale, "Not sure about a message? Forward it to me in a private chat "
                                                     "and I will check it."))]
        return "\n".join(lines)

    async def purge(self) -> Purged:
        """Forgets who checked past the cluster window, and the texts past the retention."""
        now = self._clock.now()
        async with self._db.transaction():
            checkers = await self._checks.forget_checkers(now - self.window)
            texts = await self._checks.forget_texts(now - timedelta(days=self.settings.retention_days))
        if texts or checkers:
            logger.info("scam checks: %d text(s) past the retention forgotten, %d checker(s) past the window",
                        texts, checkers)
        return Purged(texts, checkers)


def keys_of(cluster: ScamCluster) -> list[tuple[str, str]]:
    """Every key of the wave: the first that crossed the threshold, then the others."""
    return [(cluster.kind, cluster.value), *cluster.also]


def _sample(text: str) -> str:
    text = defang_links(" ".join(text.split()))
    return text if len(text) <= SAMPLE_CHARS else text[:SAMPLE_CHARS - 1] + "…"
