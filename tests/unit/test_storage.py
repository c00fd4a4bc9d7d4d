"""Migrations on empty and existing databases; transactions leave no half-action."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.clock import ManualClock
from bot.services.errors import InviteProblem, NotAllowed, RevokeProblem
from bot.services.people import PeopleService
from storage.db import Database
from storage.migrate import Migration, apply_migrations, available_migrations, current_version, split_statements
from storage.models import Role


@pytest.fixture
async def db(tmp_path):
    database = await Database.open(tmp_path / "test.db")
    yield database
    await database.close()


async def test_migrations_apply_to_an_empty_database(db):
    applied = await apply_migrations(db)
    assert [m.version for m in applied] == [m.version for m in available_migrations()]
    assert await current_version(db) == len(available_migrations())
    assert await db.fetch_value("PRAGMA journal_mode") == "wal"
    assert await db.fetch_value("PRAGMA foreign_keys") == 1
    assert await apply_migrations(db) == []


async def test_existing_database_gets_only_new_migrations(db):
    await apply_migrations(db)
    await db.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (1, 'x', 'x')")
    extra = Migration(len(available_migrations()) + 1, "add_nickname",
                      "ALTER TABLE users ADD COLUMN nickname TEXT;\nUPDATE users SET nickname = 'n';")
    applied = await apply_migrations(db, [*available_migrations(), extra])
    assert applied == [extra]
    assert await db.fetch_value("SELECT nickname FROM users WHERE user_id = 1") == "n"


async def test_a_failing_migration_leaves_nothing_behind(db):
    await apply_migrations(db)
    version = await current_version(db)
    broken = Migration(version + 1, "broken", "CREATE TABLE half (x INTEGER);\nINSERT INTO nowhere VALUES (1);")
    with pytest.raises(sqlite3.OperationalError, match="no such table: nowhere"):
        await apply_migrations(db, [*available_migrations(), broken])
    assert await current_version(db) == version
    assert await db.fetch_value("SELECT count(*) FROM sqlite_master WHERE name = 'half'") == 0


def test_split_statements_keeps_triggers_whole():
    script = """CREATE TABLE a (x);
-- a comment; with a semicolon
CREATE TRIGGER t AFTER INSERT ON a BEGIN
  INSERT INTO a VALUES (1);
END;
"""
    statements = split_statements(script)
    assert len(statements) == 2 and statements[1].endswith("END;")


@pytest.mark.parametrize("how", ["execute", "write"])  # at once, or deferred to the next trip
async def test_transaction_rolls_back_a_half_action(db, how):
    await apply_migrations(db)
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await getattr(db, how)("INSERT INTO users (user_id, created_at, updated_at) VALUES (7, 'x', 'x')")
            raise RuntimeError("crash between two writes")
    assert await db.fetch_value("SELECT count(*) FROM users") == 0


@pytest.fixture
async def people(db):
    await apply_migrations(db)
    clock = ManualClock(datetime(2026, 1, 1, tzinfo=UTC))
    service = PeopleService(db, clock, config_admins=[1], invite_ttl=timedelta(hours=1))
    await service.bootstrap_admins()
    service.clock = clock
    return service


async def test_bootstrap_is_idempotent_and_audited(people):
    assert await people.bootstrap_admins() == []
    assert Role.ADMIN in await people.roles_of(1)
    entries = await people.audit_for_user(1)
    assert [(e.action, e.actor_id, e.detail["via"]) for e in entries] == [("role.granted", None, "config")]


async def test_invite_rules(people):
    await people.register_contact(2, "Officer", None, "en")
    invite = await people.create_invite(1, Role.OFFICER)
    await people.redeem_invite(invite.code, 2)
    with pytest.raises(NotAllowed):
        await people.create_invite(2, Role.MEDIATOR)
    steward_invite = await people.create_invite(2, Role.STEWARD)
    with pytest.raises(InviteProblem) as used:
        await people.redeem_invite(invite.code, 3)
    assert used.value.reason is InviteProblem.Reason.USED
    people.clock.advance(timedelta(hours=2))
    with pytest.raises(InviteProblem) as expired:
        await people.redeem_invite(steward_invite.code, 3)
    assert expired.value.reason is InviteProblem.Reason.EXPIRED
    with pytest.raises(InviteProblem) as unknown:
        await people.redeem_invite("nope", 3)
    assert unknown.value.reason is InviteProblem.Reason.UNKNOWN


async def test_revoke_rules(people):
    invite = await people.create_invite(1, Role.ADMIN)
    await people.redeem_invite(invite.code, 5)
    with pytest.raises(RevokeProblem) as config_admin:
        await people.revoke_role(5, 1, Role.ADMIN)
    assert config_admin.value.reason is RevokeProblem.Reason.CONFIG_ADMIN
    await people.revoke_role(1, 5, Role.ADMIN)
    with pytest.raises(RevokeProblem) as not_held:
        await people.revoke_role(1, 5, Role.ADMIN)
    assert not_held.value.reason is RevokeProblem.Reason.NOT_HELD
    with pytest.raises(NotAllowed):
        await people.revoke_role(5, 1, Role.STEWARD)


async def _half_done_action(db):
    """A transaction that has written a user and waits; returns its task and the event that lets
    it go on, to fail and roll back."""
    import asyncio

    inside = asyncio.Event()
    release = asyncio.Event()

    async def half_done_action():
        async with db.transaction():
            await db.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (1, 'x', 'x')")
            inside.set()
            await release.wait()
            raise RuntimeError("rolled back")

    action = asyncio.create_task(half_done_action())
    await inside.wait()
    return action, release


async def test_other_tasks_wait_for_an_open_transaction(db):
    import asyncio

    await apply_migrations(db)
    action, release = await _half_done_action(db)
    reader = asyncio.create_task(db.fetch_value("SELECT count(*) FROM users"))
    await asyncio.sleep(0)
    assert not reader.done()  # it may not see (or join) the half-done action
    release.set()
    with pytest.raises(RuntimeError):
        await action
    assert await reader == 0


async def test_a_write_outside_a_transaction_waits_for_it_and_stays_out_of_it(db):
    import asyncio

    await apply_migrations(db)
    action, release = await _half_done_action(db)
    write = asyncio.create_task(db.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (2, 'x', 'x')"))
    for _ in range(5):
        await asyncio.sleep(0.01)
    assert not write.done()  # it would otherwise have joined the open transaction
    release.set()
    with pytest.raises(RuntimeError):
        await action
    assert await write == 1
    assert [row[0] for row in await db.fetch_all("SELECT user_id FROM users")] == [2]


async def test_a_write_handed_over_before_a_transaction_begins_is_not_part_of_it(db):
    import asyncio

    await apply_migrations(db)
    write = asyncio.create_task(db.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (2, 'x', 'x')"))
    await asyncio.sleep(0)  # the write is on its way to the database, not yet done
    assert not write.done()
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (1, 'x', 'x')")
            raise RuntimeError("rolled back")
    assert await write == 1
    assert [row[0] for row in await db.fetch_all("SELECT user_id FROM users")] == [2]


async def test_the_wal_is_checkpointed_after_writes_not_by_them(db, monkeypatch):
    import asyncio

    import storage.db

    monkeypatch.setattr(storage.db, "CHECKPOINT_DELAY_SECONDS", 0.05)
    assert await db.fetch_value("PRAGMA wal_autocheckpoint") == 0  # no write pays for a checkpoint
    await db.execute("CREATE TABLE filler (blob BLOB)")
    async with db.transaction():
        for _ in range(300):
            await db.execute("INSERT INTO filler VALUES (randomblob(4000))")
    in_file = db.path.stat().st_size
    assert in_file < 300 * 4000  # all still in the WAL
    for _ in range(100):
        await asyncio.sleep(0.02)
        if db.path.stat().st_size > 300 * 4000:
            break
    assert db.path.stat().st_size > 300 * 4000  # copied into the file meanwhile
    assert await db.fetch_value("SELECT count(*) FROM filler") == 300


async def test_deferred_writes_go_with_the_transactions_next_statement(db):
    await apply_migrations(db)
    trips = 0
    on_thread = db._on_thread

    async def counted(work):
        nonlocal trips
        trips += 1
        return await on_thread(work)

    db._on_thread = counted
    async with db.transaction():
        for user_id in (1, 2, 3):
            await db.write("INSERT INTO users (user_id, created_at, updated_at) VALUES (?, 'x', 'x')", (user_id,))
        await db.write_many("UPDATE users SET first_name = ? WHERE user_id = ?", [("A", 1), ("B", 2)])
        assert trips == 0  # nothing has gone yet, not even BEGIN
        # …and a read in the same transaction sees them
        assert await db.fetch_value("SELECT group_concat(first_name, '') FROM users ORDER BY user_id") == "AB"
        assert trips == 1
        await db.write("UPDATE users SET first_name = 'C' WHERE user_id = 3")
    assert trips == 2  # the last write went with COMMIT
    assert await db.fetch_value("SELECT group_concat(first_name, '') FROM users ORDER BY user_id") == "ABC"


async def test_a_deferred_write_that_fails_rolls_its_transaction_back(db):
    await apply_migrations(db)
    with pytest.raises(sqlite3.IntegrityError):
        async with db.transaction():
            await db.execute("INSERT INTO users (user_id, created_at, updated_at) VALUES (2, 'x', 'x')")
            await db.write("INSERT INTO users (user_id, created_at, updated_at) VALUES (3, NULL, 'x')")
    assert await db.fetch_value("SELECT count(*) FROM users") == 0
    await db.write("INSERT INTO users (user_id, created_at, updated_at) VALUES (4, 'x', 'x')")  # outside: at once
    assert await db.fetch_value("SELECT count(*) FROM users") == 1
    async with db.transaction():
        pass  # nothing to do is still a transaction begun and committed


async def test_the_wal_is_emptied_on_request_even_while_a_checkpoint_runs(db, monkeypatch):
    import asyncio

    import storage.db

    monkeypatch.setattr(storage.db, "CHECKPOINT_DELAY_SECONDS", 0)
    await db.execute("CREATE TABLE filler (blob BLOB)")
    async with db.transaction():
        for _ in range(300):
            await db.execute("INSERT INTO filler VALUES (randomblob(4000))")
    await asyncio.sleep(0.001)  # the background checkpoint is under way
    assert await db.truncate_wal()
    assert Path(f"{db.path}-wal").stat().st_size == 0
