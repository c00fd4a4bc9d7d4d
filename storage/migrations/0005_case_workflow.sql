-- The case workflow: ownership, grading, levels, deadlines, notes, follow-up visits.

ALTER TABLE cases ADD COLUMN owner_id INTEGER REFERENCES users (user_id);
ALTER TABLE cases ADD COLUMN level TEXT CHECK (level IN ('grid', 'community', 'township', 'county'));
ALTER TABLE cases ADD COLUMN accepted_at TEXT;
ALTER TABLE cases ADD COLUMN accept_due TEXT;
ALTER TABLE cases ADD COLUMN resolve_due TEXT;
ALTER TABLE cases ADD COLUMN resolved_at TEXT;
ALTER TABLE cases ADD COLUMN outcome TEXT;        -- resolved | mediated | mediation_failed | referred | not_police
ALTER TABLE cases ADD COLUMN outcome_note TEXT;   -- what the reporter is told (resolution or rejection reason)
ALTER TABLE cases ADD COLUMN last_action TEXT;    -- audit action key of the latest change, for the card

-- Internal notes: never shown to the reporter.
CREATE TABLE case_notes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_id   INTEGER NOT NULL REFERENCES users (user_id),
    text        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Reminders and escalations, each sent at most once (sent_at is set before sending).
-- kind: accept | resolve | followup_ask | followup_expire; stage: remind | overdue | admins | due
CREATE TABLE case_alarms (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id   INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    kind      TEXT NOT NULL,
    stage     TEXT NOT NULL,
    due_at    TEXT NOT NULL,
    sent_at   TEXT,
    UNIQUE (case_id, kind, stage)
);

CREATE INDEX case_alarms_due ON case_alarms (sent_at, due_at);

-- The follow-up visit (回访): asked some days after resolution; each answer saved on its own.
CREATE TABLE case_followups (
    case_id        INTEGER PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    asked_at       TEXT,
    solved         INTEGER,          -- 1 yes, 0 no, NULL not answered
    stars          INTEGER CHECK (stars BETWEEN 1 AND 5),
    comment        TEXT,
    no_response    INTEGER NOT NULL DEFAULT 0,
    spot_check     INTEGER NOT NULL DEFAULT 0,
    comment_prompt_id  INTEGER          -- the message a reporter replies to with an optional comment
);

-- What a staff member's next private message is for (a note, a resolution text, a rejection reason).
CREATE TABLE staff_inputs (
    user_id     INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('note', 'resolve', 'reject', 'ask')),
    detail      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);

-- "Ask reporter": a staff question relayed to a reporter; their reply (to that message) comes back.
CREATE TABLE case_questions (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id              INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    asker_id             INTEGER NOT NULL REFERENCES users (user_id),
    reporter_id          INTEGER NOT NULL REFERENCES users (user_id),
    question_message_id  INTEGER NOT NULL,       -- in the reporter's private chat
    text                 TEXT NOT NULL,
    asked_at             TEXT NOT NULL,
    answered_at          TEXT
);

CREATE INDEX case_questions_message ON case_questions (reporter_id, question_message_id);

-- What reached a case's owner from the reporter (an answer, new information), until they mark it seen.
CREATE TABLE case_inbox (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    owner_id    INTEGER NOT NULL REFERENCES users (user_id),
    kind        TEXT NOT NULL CHECK (kind IN ('answer', 'info')),
    text        TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    seen_at     TEXT
);

-- A staff member's beat (area or compound): orange cases and the assign list go by it.
ALTER TABLE users ADD COLUMN area TEXT;
