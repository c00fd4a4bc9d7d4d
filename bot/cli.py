"""The `pingan` command: run, sandbox, check-config, migrate, backup, restore, health, export."""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from collections.abc import Awaitable, Callable

from bot.config import ConfigError, Settings, load_config, resolve_config_path
from bot.export_cli import add_export_parser, run_export
from bot.logging_setup import configure_logging

logger = logging.getLogger("pingan")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pingan",
        description="Pingan (平安): a Telegram bot for community police, mediators and residents.",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    config_help = "config file (default: $PINGAN_CONFIG, else ./config.yaml)"

    run = commands.add_parser("run", help="run the bot with long polling (the sandbox if no token is set)",
                              description="Run the bot with long polling. With no token configured, "
                                          "start the offline sandbox instead.")
    run.add_argument("--config", metavar="PATH", help=config_help)

    sandbox = commands.add_parser("sandbox", help="run fully offline: emulator, bot and a web chat page",
                                  description="Run fully offline: a local Telegram emulator, the bot against "
                                              "it, and a web chat page on 127.0.0.1.")
    sandbox.add_argument("--config", metavar="PATH", help=config_help)
    sandbox.add_argument("--port", type=int, help="port for the web chat page (default: sandbox.port)")

    check = commands.add_parser("check-config", help="validate a config file and report every problem",
                                description="Validate the configuration (file plus PINGAN_* environment). "
                                            "Exit 0 if it is usable, 1 otherwise.")
    check.add_argument("path", nargs="?", metavar="PATH", help=config_help)

    migrate = commands.add_parser("migrate", help="apply pending storage migrations",
                                  description="Apply pending storage migrations to the configured database.")
    migrate.add_argument("--config", metavar="PATH", help=config_help)
    migrate.add_argument("--dry-run", action="store_true", help="list the pending migrations, apply nothing")

    backup = commands.add_parser("backup", help="copy the live database consistently and check the copy",
                                 description="Copy the database with SQLite's online backup API (safe while "
                                             "the bot runs), check the copy's integrity, print its path and "
                                             "counts. Without FILE the copy goes into backup.dir.")
    backup.add_argument("--config", metavar="PATH", help=config_help)
    backup.add_argument("file", nargs="?", metavar="FILE", help="where to write the copy")

    restore = commands.add_parser("restore", help="put a backup in place of the database (bot stopped)",
                                  description="Replace the database with a backup: refused while the bot runs; "
                                              "the backup's integrity and migration version are checked, newer "
                                              "migrations applied after, and the replaced database kept beside it.")
    restore.add_argument("--config", metavar="PATH", help=config_help)
    restore.add_argument("file", metavar="FILE", help="the backup to restore")

    health = commands.add_parser("health", help="ask the running bot's health endpoint; exit 0 if healthy",
                                 description="GET /healthz of the running bot (health.listen, health.port). "
                                             "Exit 0 when healthy, 1 listing the failing parts.")
    health.add_argument("--config", metavar="PATH", help=config_help)

    add_export_parser(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "check-config":
        return check_config(args.path)
    try:
        config = load_config(args.config)
    except ConfigError as error:
        print_config_error(error)
        return 1
    secrets = [config.telegram.token.get_secret_value()] if config.telegram.token else []
    configure_logging(config.logging.level, secrets, config.logging.format)
    if args.command == "migrate":
        return asyncio.run(migrate(config, dry_run=args.dry_run))
    if args.command in ("backup", "restore"):
        from bot import backup_cli

        if args.command == "backup":
            return backup_cli.backup(config, args.file)
        return backup_cli.restore(config, args.file)
    if args.command == "health":
        from bot.health_cli import health

        return health(config)
    if args.command == "export":
        return run_export(config, args)
    if args.command == "sandbox" or not config.has_token:
        if args.command == "run":
            print("No Telegram token configured (telegram.token or PINGAN_TELEGRAM__TOKEN): "
                  "starting the offline sandbox instead.", flush=True)
        from bot.sandbox import run_sandbox

        port = getattr(args, "port", None)
        return run_until_signalled(lambda stop: run_sandbox(config, stop, port=port))
    from bot.runtime import run_bot

    return run_until_signalled(lambda stop: run_bot(config, stop))


def check_config(path: str | None) -> int:
    try:
        config = load_config(path)
    except ConfigError as error:
        print_config_error(error)
        return 1
    token = "token set" if config.has_token else "no token: `pingan run` will start the sandbox"
    print(f"OK: {resolve_config_path(path)} is valid ({token}).")
    return 0


def print_config_error(error: ConfigError) -> None:
    print(f"{error.source}: {len(error.problems)} problem(s) in the configuration:", file=sys.stderr)
    for problem in error.problems:
        print(f"  {problem}", file=sys.stderr)


async def migrate(config: Settings, *, dry_run: bool = False) -> int:
    from bot.clock import SystemClock
    from bot.runtime import back_up_before_migrations
    from storage.db import Database
    from storage.migrate import apply_migrations, current_version

    if dry_run:
        return await list_pending_migrations(config)
    db = await Database.open(config.storage.path)
    try:
        await back_up_before_migrations(db, config, SystemClock())
        applied = await apply_migrations(db)
        version = await current_version(db)
    finally:
        await db.close()
    names = ", ".join(f"{m.version:04d}_{m.name}" for m in applied) or "none pending"
    print(f"{config.storage.path}: schema version {version} (applied: {names}).")
    return 0


async def list_pending_migrations(config: Settings) -> int:
    """`migrate --dry-run`: the migrations `migrate` would apply; nothing is created or changed."""
    from storage.db import Database
    from storage.migrate import available_migrations, current_version

    version = 0
    if config.storage.path.is_file():
        db = await Database.open(config.storage.path)
        try:
            version = await current_version(db)
        finally:
            await db.close()
    pending = [m for m in available_migrations() if m.version > version]
    print(f"{config.storage.path}: schema version {version}; {len(pending)} pending migration(s)"
          f"{':' if pending else '.'}")
    for migration in pending:
        print(f"  {migration.version:04d}_{migration.name}")
    return 0


def run_until_signalled(job: Callable[[asyncio.Event], Awaitable[None]]) -> int:
    """Runs `job(stop)` until it returns; SIGINT/SIGTERM set `stop` so it can wind down cleanly."""

    async def runner() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        await job(stop)

    try:
        asyncio.run(runner())
    except ConfigError as error:
        print_config_error(error)
        return 1
    except OSError as error:  # e.g. the sandbox port is taken, the database folder is read-only
        print(f"pingan: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
