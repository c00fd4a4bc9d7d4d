-- What a new case still owes (issue 19): its card in the staff chat ('card', user 0), the reporter's
-- confirmation with the reference ('confirmation'), and for a report added to someone else's case
-- the staff's notice of it under the card ('joined'). A row stays 'pending' until Telegram took
-- the message, so each is delivered at least once, across a crash or a busy staff chat.
CREATE TABLE case_deliveries (
    id         INTEGER PRIMARY KEY,
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    kind       TEXT NOT NULL CHECK (kind IN ('card', 'confirmation', 'joined')),
    user_id    INTEGER NOT NULL DEFAULT 0,
    state      TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'done')),
    attempts   INTEGER NOT NULL DEFAULT 0,
    revision   INTEGER NOT NULL DEFAULT 0,   -- +1 each time it is owed again: a send in flight then
                                             -- does not mark the newer need delivered
    not_before TEXT NOT NULL,
    outcome    TEXT,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    UNIQUE (case_id, kind, user_id)
);
CREATE INDEX case_deliveries_pending ON case_deliveries (state, id);

-- Cases from before this table were delivered (or given up) the old way: nothing is owed for them.
INSERT INTO case_deliveries (case_id, kind, user_id, state, not_before, created_at, updated_at)
SELECT id, 'card', 0, 'done', created_at, created_at, created_at FROM cases;
INSERT INTO case_deliveries (case_id, kind, user_id, state, not_before, created_at, updated_at)
SELECT case_id, 'confirmation', user_id, 'done', joined_at, joined_at, joined_at FROM case_reporters;
INSERT INTO case_deliveries (case_id, kind, user_id, state, not_before, created_at, updated_at)
SELECT case_id, 'joined', user_id, 'done', joined_at, joined_at, joined_at FROM case_reporters WHERE NOT is_primary;
