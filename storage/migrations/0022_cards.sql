-- What was sent under a case's card in a chat (issue 16): its photo album, each voice note. Posting
-- a card is tried again until it has all gone out (handlers/case_delivery.py); each part is
-- recorded once sent, so a retry sends only what is still missing and never a photo twice.
-- `item`: 'media:<case_media id>' for each photo (an album records each of its photos) and voice note.
CREATE TABLE case_card_media (
    case_id INTEGER NOT NULL REFERENCES cases (id),
    chat_id INTEGER NOT NULL,
    item    TEXT NOT NULL,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (case_id, chat_id, item)
);

-- Reopen asks why, like the other texts a card asks for: staff_inputs gains the purpose 'reopen'
-- (its detail holds the reason until it is confirmed). SQLite changes a CHECK only by rebuilding.
CREATE TABLE staff_inputs_new (
    user_id     INTEGER PRIMARY KEY REFERENCES users (user_id) ON DELETE CASCADE,
    case_id     INTEGER NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    purpose     TEXT NOT NULL CHECK (purpose IN ('note', 'resolve', 'reject', 'ask', 'supervise', 'reopen')),
    detail      TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL
);
INSERT INTO staff_inputs_new (user_id, case_id, purpose, detail, created_at)
    SELECT user_id, case_id, purpose, detail, created_at FROM staff_inputs;
DROP TABLE staff_inputs;
ALTER TABLE staff_inputs_new RENAME TO staff_inputs;
