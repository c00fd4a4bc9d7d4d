-- People, their roles, invitations and the audit trail.
-- Times are ISO-8601 UTC strings; the roles a person holds live in user_roles
-- (everyone is a resident, so "resident" is never stored).

CREATE TABLE users (
    user_id            INTEGER PRIMARY KEY,
    first_name         TEXT NOT NULL DEFAULT '',
    username           TEXT,
    telegram_language  TEXT,
    language           TEXT CHECK (language IN ('zh', 'en')),
    created_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL
);

CREATE TABLE user_roles (
    user_id     INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    role        TEXT NOT NULL CHECK (role IN ('steward', 'mediator', 'officer', 'supervisor', 'admin')),
    granted_by  INTEGER,
    granted_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE invites (
    code        TEXT PRIMARY KEY,
    role        TEXT NOT NULL CHECK (role IN ('steward', 'mediator', 'officer', 'supervisor', 'admin')),
    created_by  INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    used_by     INTEGER,
    used_at     TEXT
);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    at            TEXT NOT NULL,
    actor_id      INTEGER,          -- NULL: the system itself (config bootstrap, jobs)
    action        TEXT NOT NULL,    -- stable key, e.g. 'role.granted'
    subject_type  TEXT,
    subject_id    TEXT,
    detail        TEXT NOT NULL DEFAULT '{}'   -- JSON
);

CREATE INDEX audit_log_subject ON audit_log (subject_type, subject_id);
CREATE INDEX audit_log_actor ON audit_log (actor_id);
