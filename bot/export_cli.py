"""`pingan export`: the cases of a period and area as CSV or Open311 JSON, to a file or stdout —
the same file /export sends (bot/services/export.py), headers in the deployment's default language."""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, date, datetime, time, timedelta


def add_export_parser(commands) -> None:
    """Adds `export` to the `pingan` subcommands."""
    export = commands.add_parser(
        "export", help="export cases as CSV or Open311 JSON (no personal data)",
        description="Write the cases created in a period (all of them by default) as CSV (UTF-8 with BOM, "
                    "headers in the default language) or Open311 GeoReport v2 JSON. Names, usernames, "
                    "phones and residents' own words are never exported. The export is audited.")
    export.add_argument("--config", metavar="PATH", help="config file (default: $PINGAN_CONFIG, else ./config.yaml)")
    export.add_argument("--format", choices=("csv", "open311"), default="csv", help="file format (default: csv)")
    export.add_argument("--from", dest="first_day", type=_day, metavar="DATE",
                        help="first day, YYYY-MM-DD in the deployment's time zone (default: the first case)")
    export.add_argument("--to", dest="last_day", type=_day, metavar="DATE",
                        help="last day, included (default: the latest case)")
    export.add_argument("--area", metavar="NAME", help="only the cases of this area")
    export.add_argument("--output", metavar="FILE", help="write here instead of stdout")


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-10-31") from None


def run_export(config, args: argparse.Namespace) -> int:
    if args.first_day and args.last_day and args.last_day < args.first_day:
        print("pingan export: --to is before --from", file=sys.stderr)
        return 2
    if args.output:
        with open(args.output, "wb") as out:
            count = asyncio.run(export(config, args, out))
        print(f"{args.output}: {count} case(s).", file=sys.stderr)
    else:
        count = asyncio.run(export(config, args, sys.stdout.buffer))
        sys.stdout.buffer.flush()
    return 0


async def export(config, args: argparse.Namespace, out) -> int:
    """Writes the export; returns the number of cases."""
    # Imported here, as cli.py does for `run`: `pingan --help` and the other commands stay light.
    from bot.clock import SystemClock
    from bot.i18n import using_locale
    from bot.services.export import ExportRequest, ExportService
    from handlers.stats_labels import export_labels
    from storage.audit import AuditRepo
    from storage.db import Database
    from storage.migrate import apply_migrations

    def start_of(day: date | None) -> datetime | None:
        return None if day is None else datetime.combine(day, time(0), config.tzinfo).astimezone(UTC)

    request = ExportRequest(format=args.format, since=start_of(args.first_day),
                            until=start_of(args.last_day + timedelta(days=1) if args.last_day else None),
                            areas=(args.area,) if args.area else None)
    db = await Database.open(config.storage.path)
    try:
        await apply_migrations(db)
        clock = SystemClock()
        service = ExportService(db, clock, config.timezone, AuditRepo(db), config.export)
        with using_locale(config.default_language):
            return await service.write(request, out, export_labels(config.reports), actor_id=None)
    finally:
        await db.close()
