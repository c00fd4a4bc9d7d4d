-- Per-area supervision (督办): a supervisor sets an overdue case a new deadline with a note to its
-- owner. Each supervision is kept; the card shows the latest, the figures count supervised cases.
CREATE TABLE case_supervisions (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    case_id        INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    supervisor_id  INTEGER NOT NULL REFERENCES users (user_id),
    due_at         TEXT NOT NULL,        -- the new deadline
    note           TEXT NOT NULL,        -- what the owner is told
    created_at     TEXT NOT NULL
);

CREATE INDEX case_supervisions_case ON case_supervisions (case_id, id);
CREATE INDEX case_supervisions_created ON case_supervisions (created_at);

-- The supervisor's note is asked for like the other texts a card asks for: staff_inputs gains
-- the purpose 'supervise' (SQLite changes a CHECK only by rebuilding the table).
CREATE TABLE staff_inputs_new (
    user_id     INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('note', 'resolve', 'reject', 'ask', 'supervise')),
    detail      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
INSERT INTO staff_inputs_new (user_id, case_id, purpose, detail, created_at)
    SELECT user_id, case_id, purpose, detail, created_at FROM staff_inputs;
DROP TABLE staff_inputs;
ALTER TABLE staff_inputs_new RENAME TO staff_inputs;
