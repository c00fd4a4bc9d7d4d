-- Notice library edits by command, layered over the library in the config file; a group's own
-- time zone; prompts waiting for a typed group area.

-- Themes added by command (a config theme with the same id is never shadowed: ids are refused).
CREATE TABLE library_themes (
    id          TEXT PRIMARY KEY,
    title_zh    TEXT NOT NULL,
    title_en    TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT NOT NULL
);

-- Tips added by command to any theme. A tip's stable number in the rotation is 1000000 + id
-- (config tips are numbered by their position, 0, 1, 2 …), so adding or removing tips never
-- renumbers the ones a group has already had.
CREATE TABLE library_tips (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    theme       TEXT NOT NULL,
    zh          TEXT NOT NULL,
    en          TEXT NOT NULL,
    created_by  INTEGER,
    created_at  TEXT NOT NULL
);

CREATE INDEX library_tips_theme ON library_tips (theme);

-- Tips (of config or command) taken out of the rotation.
CREATE TABLE library_tips_disabled (
    theme        TEXT NOT NULL,
    tip_number   INTEGER NOT NULL,
    disabled_by  INTEGER,
    disabled_at  TEXT NOT NULL,
    PRIMARY KEY (theme, tip_number)
);

-- Patrol templates set or changed by command (override the config template of the same id).
CREATE TABLE library_templates (
    id          TEXT PRIMARY KEY,
    zh          TEXT NOT NULL,
    en          TEXT NOT NULL,
    updated_by  INTEGER,
    updated_at  TEXT NOT NULL
);

-- Month → theme entries set by command (override the config calendar for that month).
CREATE TABLE library_calendar (
    month       INTEGER PRIMARY KEY CHECK (month BETWEEN 1 AND 12),
    theme       TEXT NOT NULL,
    updated_by  INTEGER,
    updated_at  TEXT NOT NULL
);

-- A group's own IANA time zone (NULL: the schedule's, i.e. the deployment's).
ALTER TABLE groups ADD COLUMN timezone TEXT;

-- "Type the area" prompts sent from /groups: a reply to the prompt sets that group's area.
CREATE TABLE group_area_prompts (
    chat_id     INTEGER NOT NULL,
    message_id  INTEGER NOT NULL,
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    created_at  TEXT NOT NULL,
    PRIMARY KEY (chat_id, message_id)
);

-- The add-a-schedule dialogue of each officer, saved after every answer (survives a restart).
CREATE TABLE schedule_drafts (
    user_id     INTEGER PRIMARY KEY,
    step        TEXT NOT NULL,                 -- the state awaited, as in handlers/notices.py
    data        TEXT NOT NULL,                 -- JSON: content, cron, kinds, areas so far
    updated_at  TEXT NOT NULL
);
