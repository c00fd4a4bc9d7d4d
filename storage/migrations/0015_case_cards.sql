-- Every posted copy of a case's card (issue 12: several staff chats, a chat per handling level), so
-- each refresh edits them all. `kind`: 'staff' is the card in the case's staff chat (additions are
-- posted under it), 'level' a card in a handling level's chat.
CREATE TABLE case_cards (
    case_id    INTEGER NOT NULL REFERENCES cases (id),
    chat_id    INTEGER,          -- NULL: the default staff chat (cards posted before this table)
    message_id INTEGER NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('staff', 'level')),
    posted_at  TEXT NOT NULL,
    UNIQUE (case_id, chat_id)
);
CREATE INDEX case_cards_case ON case_cards (case_id);

-- The cards posted so far were all in the one staff chat, whose id only the config knows: they
-- move here with chat_id NULL, and the start fills it in from `staff_chat_id`
-- (bot/services/case_cards.py). `cases.staff_message_id` stays as it was, no longer read.
INSERT INTO case_cards (case_id, chat_id, message_id, kind, posted_at)
SELECT id, NULL, staff_message_id, 'staff', updated_at FROM cases WHERE staff_message_id IS NOT NULL;
