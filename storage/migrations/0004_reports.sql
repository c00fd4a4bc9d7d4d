-- Report intake: dialogue drafts, cases with their reporters, media and additions.

-- One open dialogue per person. `data` is the JSON of answers so far; `history` the steps
-- passed (for Back). Saved after every answer, so a restart loses nothing.
CREATE TABLE drafts (
    user_id            INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    purpose            TEXT NOT NULL CHECK (purpose IN ('report', 'addition')),
    step               TEXT NOT NULL,
    history            TEXT NOT NULL DEFAULT '[]',
    data               TEXT NOT NULL DEFAULT '{}',
    editing            INTEGER NOT NULL DEFAULT 0,
    origin_group_id    INTEGER REFERENCES groups (id) ON DELETE SET NULL,
    case_id            INTEGER REFERENCES cases (id),   -- emergency reports create their case at once
    prompt_message_id  INTEGER,
    media_group_id     TEXT,
    started_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    reminded_at        TEXT
);

-- AUTOINCREMENT: a case number is never reused, so references never repeat.
CREATE TABLE cases (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    ref               TEXT NOT NULL UNIQUE,               -- PA-YYYY-NNNNNN
    kind              TEXT NOT NULL CHECK (kind IN ('incident', 'dispute')),
    category          TEXT NOT NULL,
    status            TEXT NOT NULL DEFAULT 'new',
    grade             TEXT CHECK (grade IN ('red', 'orange', 'yellow', 'green')),
    emergency         INTEGER NOT NULL DEFAULT 0,
    complete          INTEGER NOT NULL DEFAULT 1,         -- 0 while an emergency report is being finished
    language          TEXT NOT NULL,
    origin_group_id   INTEGER REFERENCES groups (id) ON DELETE SET NULL,
    area              TEXT,
    description       TEXT NOT NULL DEFAULT '',
    details           TEXT NOT NULL DEFAULT '{}',         -- JSON: where, when, dispute answers
    related_case_id   INTEGER REFERENCES cases (id),      -- "report separately" from a possible duplicate
    staff_message_id  INTEGER,                            -- the card in the staff chat
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL
);

CREATE INDEX cases_recent ON cases (category, area, created_at);

-- Who reported a case: the first reporter, and anyone who added their report to it.
CREATE TABLE case_reporters (
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (user_id),
    is_primary  INTEGER NOT NULL,
    anonymous   INTEGER NOT NULL DEFAULT 0,
    phone       TEXT,
    joined_at   TEXT NOT NULL,
    PRIMARY KEY (case_id, user_id)
);

CREATE INDEX case_reporters_user ON case_reporters (user_id, case_id);

-- Photos and voice notes, kept as Telegram file ids.
CREATE TABLE case_media (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id       INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    addition_id   INTEGER REFERENCES case_additions (id) ON DELETE CASCADE,
    media_type    TEXT NOT NULL CHECK (media_type IN ('photo', 'voice')),
    file_id       TEXT NOT NULL,
    added_at      TEXT NOT NULL
);

-- Information a reporter added after submitting (text, photo or voice).
CREATE TABLE case_additions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL REFERENCES users (user_id),
    text        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

-- The person's usual choice at the contact step, offered first next time.
ALTER TABLE users ADD COLUMN prefers_anonymous INTEGER NOT NULL DEFAULT 0;
