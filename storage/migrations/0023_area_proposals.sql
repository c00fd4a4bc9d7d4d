-- An area typed for a group that no group, staff member or config file names yet is confirmed
-- before it is created (issue 16): the typed name waits here for the press that confirms it.
CREATE TABLE group_area_proposals (
    id          INTEGER PRIMARY KEY,
    group_id    INTEGER NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id     INTEGER NOT NULL,
    area        TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
