-- "Is this a scam?" (issue 18): the checks kept for the figures and the clusters, the clusters
-- raised, and the phrases and signals officers add to the shipped rules with /scamrules.

-- One row per check. Who checked is kept only while the cluster window lasts (to count distinct
-- residents), the text and what it contained only for scam_check.retention_days; the type, area
-- and time stay for the figures.
CREATE TABLE scam_checks (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    checked_at  TEXT NOT NULL,
    area        TEXT,                        -- the resident's known area; NULL: none known
    type_id     TEXT,                        -- the fraud type named; NULL: no known pattern
    text        TEXT,                        -- the message checked; NULL once past the retention
    phones      TEXT NOT NULL DEFAULT '[]',  -- JSON: the numbers in it, digits only
    links       TEXT NOT NULL DEFAULT '[]',  -- JSON: the links' hosts, lower-case, without www.
    checker_id  INTEGER                      -- NULL once past the cluster window
);
CREATE INDEX scam_checks_time ON scam_checks (checked_at);
CREATE INDEX scam_checks_area ON scam_checks (area, checked_at);

-- Several residents of one area checking the same type, number or host within the window: one
-- wave, raised once. `kind`/`value` is the first key that crossed the threshold, `also` the others
-- the same check crossed at once. The sample is a check's text, defanged; cleared with the texts.
CREATE TABLE scam_clusters (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    area       TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('type', 'phone', 'link')),
    value      TEXT NOT NULL,
    also       TEXT NOT NULL DEFAULT '[]',   -- JSON [[kind, value], ...]
    type_id    TEXT,                         -- the type of the sample (a number's cluster has one too)
    residents  INTEGER NOT NULL,             -- distinct residents when it was raised
    sample     TEXT,
    raised_at  TEXT NOT NULL,
    warned_by  INTEGER,                      -- who pushed the warning to the area's groups
    warned_at  TEXT
);
CREATE INDEX scam_clusters_key ON scam_clusters (area, kind, value, raised_at);
CREATE INDEX scam_clusters_time ON scam_clusters (raised_at);

-- Layered over bot/scam_rules.yaml at start. `new_signal`: the row creates signal
-- 'added_<id>' in the type (with its meaning and weight); otherwise it adds a phrase to
-- `signal_id`. A removed row stays, for the audit trail's sake, and is no longer applied.
CREATE TABLE scam_rule_edits (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    type_id     TEXT NOT NULL,
    signal_id   TEXT,
    new_signal  INTEGER NOT NULL DEFAULT 0,
    phrase      TEXT NOT NULL,
    say_zh      TEXT,
    say_en      TEXT,
    weight      INTEGER,
    added_by    INTEGER NOT NULL,
    added_at    TEXT NOT NULL,
    removed_by  INTEGER,
    removed_at  TEXT
);
