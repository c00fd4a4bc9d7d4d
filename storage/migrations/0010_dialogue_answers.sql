-- Which message answered which question (issue 12), or was refused at it: an edit of a message that answered an
-- earlier question of an open dialogue corrects that answer; an edit after a report was sent is
-- added to its case as a correction. Rows of a dialogue that ended without a case are dropped.
CREATE TABLE dialogue_answers (
    user_id      INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    message_id   INTEGER NOT NULL,          -- in the person's private chat with the bot
    dialogue     TEXT NOT NULL,
    state        TEXT NOT NULL,             -- the question the message came to
    taken        INTEGER NOT NULL,          -- 1: it changed the answers; 0: it was refused
    case_id      INTEGER REFERENCES cases (id) ON DELETE CASCADE,  -- once the report is sent
    answered_at  TEXT NOT NULL,
    PRIMARY KEY (user_id, message_id)
);

CREATE INDEX dialogue_answers_open ON dialogue_answers (user_id, dialogue) WHERE case_id IS NULL;

-- A text Telegram split in parts (over 4096 characters), held for its continuation, which
-- arrives as the next message a moment later: the two are checked as one answer.
ALTER TABLE dialogue_drafts ADD COLUMN held_text TEXT;
ALTER TABLE dialogue_drafts ADD COLUMN held_at TEXT;
