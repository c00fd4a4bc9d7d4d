-- Urgent alerts (issue 7): the officer's dialogue draft, the alerts, residents' tips, and what
-- the notice outbox needs to carry them (priority, the alert, its buttons/photos/pin, events).

-- One /alert dialogue (or tip session) per person, saved after every answer.
-- purpose: 'alert' (an officer composing) | 'tip' (a resident answering an alert)
CREATE TABLE alert_drafts (
    user_id            INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    purpose            TEXT NOT NULL CHECK (purpose IN ('alert', 'tip')),
    step               TEXT NOT NULL,
    data               TEXT NOT NULL DEFAULT '{}',
    alert_id           INTEGER REFERENCES alerts (id) ON DELETE CASCADE,
    prompt_message_id  INTEGER,
    started_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

-- status: awaiting_approval → sending → active → closed | expired; or rejected
CREATE TABLE alerts (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    ref                TEXT NOT NULL UNIQUE,          -- public, random: in deep links
    officer_id         INTEGER NOT NULL REFERENCES users (user_id),
    kind               TEXT NOT NULL,
    text               TEXT NOT NULL,
    photos             TEXT NOT NULL DEFAULT '[]',    -- JSON list of Telegram file ids
    targets            TEXT NOT NULL DEFAULT '{}',    -- JSON {kinds: [...], areas: [...]}
    pin                INTEGER NOT NULL DEFAULT 0,
    hours              INTEGER NOT NULL,
    status             TEXT NOT NULL,
    expires_at         TEXT NOT NULL,
    approved_by        INTEGER,
    report_message_id  INTEGER,                       -- the officer's delivery report, edited in place
    expiry_prompted_at TEXT,
    closed_at          TEXT,
    close_reason       TEXT,                          -- resolved | withdrawn | expired
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE INDEX alerts_officer ON alerts (officer_id, created_at);

-- What residents sent in answer to an alert. Their identity is shown to the issuing officer only.
CREATE TABLE alert_tips (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    alert_id    INTEGER NOT NULL REFERENCES alerts (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (user_id),
    kind        TEXT NOT NULL CHECK (kind IN ('text', 'photo', 'location', 'contact')),
    text        TEXT NOT NULL DEFAULT '',
    file_id     TEXT,
    latitude    REAL,
    longitude   REAL,
    phone       TEXT,
    created_at  TEXT NOT NULL
);

CREATE INDEX alert_tips_alert ON alert_tips (alert_id);

-- The outbox carries alerts too: ahead of notices (priority), with their extras.
ALTER TABLE notice_outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notice_outbox ADD COLUMN alert_id INTEGER REFERENCES alerts (id) ON DELETE CASCADE;
ALTER TABLE notice_outbox ADD COLUMN payload TEXT;                    -- JSON {photos, button, pin}
ALTER TABLE notice_outbox ADD COLUMN events TEXT NOT NULL DEFAULT ''; -- 'migrated,rate_limited,pinned,pin_refused'

CREATE INDEX notice_outbox_alert ON notice_outbox (alert_id);
