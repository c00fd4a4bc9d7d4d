-- Running Pingan for real: scheduled backups claimed once per occurrence, secrets generated at
-- first start (the webhook's secret token), and the row the health check writes to prove the
-- database takes writes.
CREATE TABLE scheduled_backups (
    fire_at   TEXT PRIMARY KEY,   -- the `backup.cron` occurrence this backup is for (UTC)
    taken_at  TEXT NOT NULL,
    file      TEXT                -- where it went (NULL until written, or if it failed)
);

CREATE TABLE runtime_secrets (
    name        TEXT PRIMARY KEY,
    value       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

CREATE TABLE health_probe (
    id       INTEGER PRIMARY KEY CHECK (id = 1),
    probed_at TEXT NOT NULL
);
