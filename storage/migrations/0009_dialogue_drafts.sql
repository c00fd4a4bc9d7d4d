-- One table for every dialogue in progress (issue 11): the report and its additions, the
-- officer's /alert and a resident's tip session, and the add-a-schedule dialogue used to keep
-- three tables with three rules. Rows move over as they are, so a dialogue in progress at the
-- upgrade carries on where it was: its `state` values are the ones the old tables stored.
--
-- One draft per person and dialogue: an officer may have a report, an alert and a schedule open
-- at once; the router (handlers/private.py) gives a message to the one touched last.
-- dialogue: report | addition | alert | tip | schedule
CREATE TABLE dialogue_drafts (
    user_id            INTEGER NOT NULL REFERENCES users (user_id) ON DELETE CASCADE,
    dialogue           TEXT NOT NULL,
    state              TEXT NOT NULL,                 -- what the bot waits for (the dialogue's State enum)
    history            TEXT NOT NULL DEFAULT '[]',    -- states passed, for Back
    data               TEXT NOT NULL DEFAULT '{}',    -- JSON: the answers so far
    editing            INTEGER NOT NULL DEFAULT 0,    -- answering one question again from the review
    origin_group_id    INTEGER REFERENCES groups (id) ON DELETE SET NULL,
    case_id            INTEGER REFERENCES cases (id),  -- an urgent report's case; the case added to
    alert_id           INTEGER REFERENCES alerts (id) ON DELETE CASCADE,  -- the alert a tip answers
    prompt_message_id  INTEGER,                       -- the message whose buttons answer the state
    media_group_id     TEXT,                          -- the album being received
    started_at         TEXT NOT NULL,
    updated_at         TEXT NOT NULL,
    reminded_at        TEXT,
    PRIMARY KEY (user_id, dialogue)
);

CREATE INDEX dialogue_drafts_idle ON dialogue_drafts (dialogue, updated_at);

INSERT INTO dialogue_drafts (user_id, dialogue, state, history, data, editing, origin_group_id, case_id,
                             prompt_message_id, media_group_id, started_at, updated_at, reminded_at)
SELECT user_id, purpose, step, history, data, editing, origin_group_id, case_id, prompt_message_id,
       media_group_id, started_at, updated_at, reminded_at
FROM drafts;

INSERT INTO dialogue_drafts (user_id, dialogue, state, data, alert_id, prompt_message_id, started_at, updated_at)
SELECT user_id, purpose, step, data, alert_id, prompt_message_id, started_at, updated_at
FROM alert_drafts;

-- schedule_drafts had no foreign key: a draft of someone never recorded as a user is dropped.
INSERT INTO dialogue_drafts (user_id, dialogue, state, data, started_at, updated_at)
SELECT user_id, 'schedule', step, data, updated_at, updated_at
FROM schedule_drafts
WHERE user_id IN (SELECT user_id FROM users);

DROP TABLE drafts;
DROP TABLE alert_drafts;
DROP TABLE schedule_drafts;
