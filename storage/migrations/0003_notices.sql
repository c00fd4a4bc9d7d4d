-- Scheduled notices: the schedules (from config and from commands), the outbox every send goes
-- through, and which tips of a theme each group has already had.

CREATE TABLE notice_schedules (
    id               TEXT PRIMARY KEY,              -- 'nightly-patrol' (config) or 's-…' (command)
    source           TEXT NOT NULL CHECK (source IN ('config', 'command')),
    cron             TEXT NOT NULL,                 -- standard 5 fields, in `timezone`
    timezone         TEXT NOT NULL,
    targets          TEXT NOT NULL,                 -- JSON {kinds: [...], areas: [...]}
    content          TEXT NOT NULL,                 -- JSON, as notices.schedules[].content
    paused           INTEGER NOT NULL DEFAULT 0,
    created_by       INTEGER,
    created_at       TEXT NOT NULL,                 -- no occurrence before this is ever sent
    last_occurrence  TEXT,                          -- the latest occurrence already expanded
    updated_at       TEXT NOT NULL
);

-- One row per (schedule, occurrence, group): written before sending, marked after.
-- state: pending → sending → sent | failed | uncertain | skipped
CREATE TABLE notice_outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    key          TEXT NOT NULL UNIQUE,              -- 'notice:{schedule}:{occurrence}:{group id}'
    schedule_id  TEXT,
    occurrence   TEXT NOT NULL,
    group_id     INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    chat_id      INTEGER NOT NULL,
    locale       TEXT NOT NULL,
    text         TEXT NOT NULL,                     -- rendered, HTML-escaped
    image        TEXT,
    urgent       INTEGER NOT NULL DEFAULT 0,        -- urgent: at-least-once; otherwise at-most-once
    state        TEXT NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'uncertain', 'skipped')),
    not_before   TEXT NOT NULL,                     -- due time (quiet hours and retries move it)
    attempts     INTEGER NOT NULL DEFAULT 0,
    outcome      TEXT,                              -- why it ended as it did: 'forbidden', 'expired' …
    message_id   INTEGER,
    created_at   TEXT NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE INDEX notice_outbox_due ON notice_outbox (state, not_before);

CREATE TABLE notice_rotation (
    group_id   INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    theme      TEXT NOT NULL,
    tip_index  INTEGER NOT NULL,
    used_at    TEXT NOT NULL,
    PRIMARY KEY (group_id, theme, tip_index)
);
