-- Weekly briefings to the staff chat: one row per scheduled time, claimed before sending, so a
-- briefing goes out at most once, restarts included.
CREATE TABLE briefings (
    fire_at  TEXT PRIMARY KEY,   -- the schedule's time this briefing is for (UTC)
    sent_at  TEXT NOT NULL
);
