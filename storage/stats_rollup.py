"""How a period is read from the rollups of migration 0022_stats_rollup: its whole UTC days and
months as rollup bins, each added or subtracted (a month less a day is one bin fewer than thirty
days), and the hours at either end that are not a whole UTC day, read from the raw tables."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from storage.db import Database
from storage.timefmt import to_db

_DAY, _MONTH = "d", "m"
#: Areas to count: None for all, else the cases of these areas only.
Areas = tuple[str, ...] | None


@dataclass(frozen=True)
class Cover:
    """A period as signed rollup bins plus raw windows, together counting each moment once."""

    #: (grain, bin, sign): 'd' with 'YYYY-MM-DD' or 'm' with 'YYYY-MM', sign 1 or -1.
    bins: tuple[tuple[str, str, int], ...]
    #: [since, until) spans shorter than a UTC day, read from the cases themselves.
    raw: tuple[tuple[datetime, datetime], ...]


def cover(since: datetime, until: datetime) -> Cover:
    """The fewest bins (and the raw ends) that make up [since, until)."""
    since, until = since.astimezone(UTC), until.astimezone(UTC)
    first_day = since.date() if since.time() == time(0) else since.date() + timedelta(days=1)
    end_day = until.date()
    if first_day >= end_day:
        return Cover((), ((since, until),) if since < until else ())
    raw = tuple(window for window in ((since, _midnight(first_day)), (_midnight(end_day), until))
                if window[0] < window[1])
    return Cover(tuple(_day_bins(first_day, end_day)), raw)


def _day_bins(first: date, end: date) -> list[tuple[str, str, int]]:
    """Signed bins for the whole days [first, end): the cheapest of plain days and whole months
    with the days at either end added or subtracted."""
    best = _days(first, end, 1)
    for start in {_month_start(first), _next_month(first) if first.day > 1 else first}:
        for stop in {_month_start(end), _next_month(end) if end.day > 1 else end}:
            if start >= stop:
                continue
            bins = _edge(first, start) + _months(start, stop) + _edge(stop, end)
            if len(bins) < len(best):
                best = bins
    return best


def _edge(a: date, b: date) -> list[tuple[str, str, int]]:
    """Days [a, b) added, or [b, a) subtracted when b comes first."""
    return _days(a, b, 1) if a <= b else _days(b, a, -1)


def _days(first: date, end: date, sign: int) -> list[tuple[str, str, int]]:
    return [(_DAY, (first + timedelta(days=n)).isoformat(), sign) for n in range((end - first).days)]


def _months(start: date, stop: date) -> list[tuple[str, str, int]]:
    bins, month = [], start
    while month < stop:
        bins.append((_MONTH, f"{month:%Y-%m}", 1))
        month = _next_month(month)
    return bins


def _month_start(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), UTC)


class RollupReader:
    """Sums over a period: its bins from a rollup table, its raw ends from the matching facts view,
    added up per group key."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def sums(self, since: datetime, until: datetime, areas: Areas, *, table: str, view: str,
                   moment: str, columns: dict[str, str], group: tuple[str, ...] = (), where: str = "1",
                   raw_where: str | None = None, params: dict | None = None) -> dict[tuple, dict[str, int]]:
        """Group key → {column: total} for [since, until). `columns` maps each rollup column to its
        raw aggregate over `view` (whose rows are timed by `moment`); `where` filters the rollup rows,
        `raw_where` (else `where`) the view's."""
        span, totals = cover(since, until), {}
        if span.bins:
            rows = await self._binned(span.bins, areas, table, columns, group, where, params or {})
            _add(totals, rows, group, columns)
        for start, end in span.raw:
            rows = await self._raw(start, end, areas, view, moment, columns, group,
                                   where if raw_where is None else raw_where, params or {})
            _add(totals, rows, group, columns)
        return totals

    async def _binned(self, bins, areas: Areas, table: str, columns: dict[str, str], group: tuple[str, ...],
                      where: str, params: dict) -> list:
        values = ", ".join(f"(:g{n}, :b{n}, :s{n})" for n in range(len(bins)))
        bin_params = {key: value for n, (grain, name, sign) in enumerate(bins)
                      for key, value in ((f"g{n}", grain), (f"b{n}", name), (f"s{n}", sign))}
        area_clause, area_params = _scope(areas)
        keys = "".join(f"{column}, " for column in group)
        sums = ", ".join(f"sum({column} * w.sign) AS {column}" for column in columns)
        return await self._db.fetch_all(
            f"""WITH want (grain, bin, sign) AS (VALUES {values})
                SELECT {keys}{sums} FROM want w CROSS JOIN {table} t
                WHERE t.grain = w.grain AND t.bin = w.bin AND {area_clause} AND {where}
                {_group_by(group)}""",
            {**bin_params, **area_params, **params})

    async def _raw(self, start: datetime, end: datetime, areas: Areas, view: str, moment: str,
                   columns: dict[str, str], group: tuple[str, ...], where: str, params: dict) -> list:
        area_clause, area_params = area_filter("area", areas)
        keys = "".join(f"{column}, " for column in group)
        sums = ", ".join(f"{aggregate} AS {column}" for column, aggregate in columns.items())
        return await self._db.fetch_all(
            f"""SELECT {keys}{sums} FROM {view}
                WHERE {moment} >= :start AND {moment} < :end {area_clause} AND {where} {_group_by(group)}""",
            {"start": to_db(start), "end": to_db(end), **area_params, **params})


def area_filter(column: str, areas: Areas) -> tuple[str, dict]:
    """`AND column IN (…)` for some areas, nothing for all."""
    if areas is None:
        return "", {}
    names = {f"area{i}": area for i, area in enumerate(areas)}
    if not names:  # no area: nothing matches (a constant false would leave an INDEXED BY no plan)
        return f"AND {column} IN (NULL)", {}
    return f"AND {column} IN ({', '.join(':' + key for key in names)})", names


def _scope(areas: Areas) -> tuple[str, dict]:
    """Rollup rows of all areas (whole = 1), or of the areas asked."""
    if areas is None:
        return "t.whole = 1 AND t.area = ''", {}
    clause, params = area_filter("t.area", areas)
    return f"t.whole = 0 {clause}", params


def _group_by(group: tuple[str, ...]) -> str:
    return f"GROUP BY {', '.join(group)}" if group else ""


def _add(totals: dict[tuple, dict[str, int]], rows, group: tuple[str, ...], columns: dict[str, str]) -> None:
    for row in rows:
        key = tuple(row[column] for column in group)
        total = totals.setdefault(key, dict.fromkeys(columns, 0))
        for column in columns:
            total[column] += row[column] or 0
