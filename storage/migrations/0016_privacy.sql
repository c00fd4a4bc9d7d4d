-- Residents' privacy (issue 13): erasure on request, anonymisation after the retention period,
-- and the audit trail staff read with /audit.

-- An /erase confirmation offered to a person in their private chat: its button acts on this row
-- only (the message it was sent as, for that person), once. state: offered | done | cancelled.
CREATE TABLE erasure_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id      INTEGER NOT NULL,
    chat_id      INTEGER NOT NULL,
    message_id   INTEGER,
    state        TEXT NOT NULL DEFAULT 'offered' CHECK (state IN ('offered', 'done', 'cancelled')),
    created_at   TEXT NOT NULL,
    decided_at   TEXT
);
CREATE INDEX erasure_requests_user ON erasure_requests (user_id, id);

-- A person who erased their data: their Telegram profile is no longer stored.
ALTER TABLE users ADD COLUMN erased_at TEXT;
-- When what residents wrote in the case was anonymised (erasure or retention); the row and its
-- figures stay.
ALTER TABLE cases ADD COLUMN anonymised_at TEXT;

-- An erasing person's case left open (privacy.keep_open_cases): anonymised when it closes.
CREATE TABLE erasure_pending (
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);

-- The daily retention run, claimed per local date before it runs (at most once, restarts included).
CREATE TABLE retention_runs (
    run_date  TEXT PRIMARY KEY,   -- YYYY-MM-DD in the deployment's time zone
    ran_at    TEXT NOT NULL,
    counts    TEXT NOT NULL DEFAULT '{}'
);

-- An /audit listing a staff member opened, so its page and CSV buttons carry only its id.
CREATE TABLE audit_views (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    filters     TEXT NOT NULL,    -- JSON {case_id, person, action, since, until}
    created_at  TEXT NOT NULL
);

CREATE INDEX audit_log_at ON audit_log (at);
CREATE INDEX audit_log_action ON audit_log (action, at);
