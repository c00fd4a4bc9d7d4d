-- Figures (/stats, the weekly briefing; issue 14) read rollups kept by triggers instead of scanning
-- the cases of a period: a year is some 300,000 cases, its rollup a few thousand rows.
--
-- Every rollup row is one bin of time — a UTC day ('d', bin 'YYYY-MM-DD') or a UTC month ('m',
-- bin 'YYYY-MM') — for all areas (whole = 1, area '') or for one area (whole = 0). A case counts
-- in the bin of the day it was reported (a follow-up visit in that of the day it was asked, a
-- resolution in the workload's by the day it was resolved). Bins are in UTC so that they do not
-- depend on the deployment's zone: storage/stats_rollup.py covers a period of local days with
-- months and days (added or subtracted) and reads the hours at either end from the raw tables.
--
-- The triggers never compute a figure themselves: what one case (or follow-up) contributes is
-- defined once, in the *_facts views, and each change subtracts the row as it was and adds it as it
-- is (through stats_case_changes / stats_followup_changes), so no write path can forget them.

-- The four slices each contribution goes into: day and month, all areas and its own area.
CREATE TABLE stats_slices (
    grain  TEXT NOT NULL,       -- d | m
    width  INTEGER NOT NULL,    -- characters of the stored UTC time that name the bin
    whole  INTEGER NOT NULL,    -- 1 all areas, 0 the case's own area
    PRIMARY KEY (grain, whole)
);
INSERT INTO stats_slices (grain, width, whole) VALUES ('d', 10, 1), ('d', 10, 0), ('m', 7, 1), ('m', 7, 0);

-- Durations go into buckets: under a minute, then each 2% wider than the one before, up to ten
-- years (about 800 buckets). A median or p90 is the mean of its bucket: within 2% of the exact one.
CREATE TABLE stats_duration_buckets (
    lower_seconds  REAL PRIMARY KEY,
    bucket         INTEGER NOT NULL UNIQUE
);
INSERT INTO stats_duration_buckets (lower_seconds, bucket) VALUES (-1e18, 0);
INSERT INTO stats_duration_buckets (lower_seconds, bucket)
WITH RECURSIVE edges (lower_seconds, bucket) AS (
    SELECT 60.0, 1
    UNION ALL
    SELECT lower_seconds * 1.02, bucket + 1 FROM edges WHERE lower_seconds < 10 * 366 * 86400.0
)
SELECT lower_seconds, bucket FROM edges;

-- What each complete case contributes to the counts, as 0/1 (NULLs never reach a sum).
CREATE VIEW stats_case_facts AS
SELECT id, created_at, area, kind, category, grade, owner_id, resolved_at,
       1 AS received,
       kind = 'incident' AS incidents,
       kind = 'dispute' AS disputes,
       emergency = 1 AS urgent,
       status IN ('resolved', 'followed_up', 'closed') AS resolved,
       ifnull(status IN ('resolved', 'followed_up', 'closed') AND resolve_due IS NOT NULL
              AND resolved_at <= resolve_due, 0) AS resolved_on_time,
       status = 'rejected' AS rejected,
       status IN ('new', 'accepted', 'in_progress', 'reopened') AS still_open,
       kind = 'dispute' AND status IN ('resolved', 'followed_up', 'closed') AND outcome IS 'mediated' AS mediated,
       kind = 'dispute' AND status IN ('resolved', 'followed_up', 'closed')
           AND outcome IS 'mediation_failed' AS mediation_failed,
       status = 'withdrawn' AS withdrawn,
       accepted_at IS NOT NULL AS accepted,
       ifnull(accepted_at <= accept_due, 0) AS accepted_on_time,
       grade IS 'red' AS grade_red,
       grade IS 'orange' AS grade_orange,
       grade IS 'yellow' AS grade_yellow,
       grade IS 'green' AS grade_green,
       grade IS NULL AS grade_none,
       level IS 'grid' AS level_grid,
       level IS 'community' AS level_community,
       level IS 'township' AS level_township,
       level IS 'county' AS level_county,
       level IS NULL AS level_none,
       status IN ('resolved', 'followed_up', 'closed') AND outcome IS 'resolved' AS outcome_resolved,
       status IN ('resolved', 'followed_up', 'closed') AND outcome IS 'mediated' AS outcome_mediated,
       status IN ('resolved', 'followed_up', 'closed') AND outcome IS 'mediation_failed' AS outcome_mediation_failed,
       status IN ('resolved', 'followed_up', 'closed') AND outcome IS 'referred' AS outcome_referred,
       status IN ('resolved', 'followed_up', 'closed') AND outcome IS 'not_police' AS outcome_not_police,
       CASE WHEN accepted_at IS NOT NULL
            THEN (julianday(accepted_at) - julianday(created_at)) * 86400.0 END AS accept_seconds,
       CASE WHEN status IN ('resolved', 'followed_up', 'closed') AND resolved_at IS NOT NULL
            THEN (julianday(resolved_at) - julianday(created_at)) * 86400.0 END AS resolve_seconds
FROM cases WHERE complete = 1;

-- Each complete case's time to accept and to resolve, in whole milliseconds, with its bucket
-- (grade '' for not graded).
CREATE VIEW stats_duration_facts AS
SELECT id, created_at, area, ifnull(grade, '') AS grade, measure, CAST(round(seconds * 1000) AS INTEGER) AS millis,
       (SELECT b.bucket FROM stats_duration_buckets b WHERE b.lower_seconds <= seconds
        ORDER BY b.lower_seconds DESC LIMIT 1) AS bucket
FROM (SELECT id, created_at, area, grade, 'accept' AS measure, accept_seconds AS seconds
      FROM stats_case_facts WHERE accept_seconds IS NOT NULL
      UNION ALL
      SELECT id, created_at, area, grade, 'resolve', resolve_seconds
      FROM stats_case_facts WHERE resolve_seconds IS NOT NULL);

-- What each follow-up visit asked contributes, by the day it was asked, under its case's area
-- (CROSS JOIN: the visits first, by when they were asked, then each one's case; left to itself,
-- SQLite may read every case of an area instead).
CREATE VIEW stats_followup_facts AS
SELECT f.case_id, f.asked_at, c.area,
       1 AS asked,
       f.solved IS NOT NULL AS answered,
       f.solved IS 1 AS solved,
       f.stars IS NOT NULL AS rated,
       ifnull(f.stars >= 4, 0) AS satisfied,
       ifnull(f.stars, 0) AS stars,
       f.no_response = 1 AS no_response
FROM case_followups f CROSS JOIN cases c ON c.id = f.case_id
WHERE f.asked_at IS NOT NULL;

CREATE TABLE stats_case_bins (
    whole INTEGER NOT NULL, area TEXT NOT NULL, grain TEXT NOT NULL, bin TEXT NOT NULL,
    received INTEGER NOT NULL DEFAULT 0, incidents INTEGER NOT NULL DEFAULT 0,
    disputes INTEGER NOT NULL DEFAULT 0, urgent INTEGER NOT NULL DEFAULT 0,
    resolved INTEGER NOT NULL DEFAULT 0, resolved_on_time INTEGER NOT NULL DEFAULT 0,
    rejected INTEGER NOT NULL DEFAULT 0, still_open INTEGER NOT NULL DEFAULT 0,
    mediated INTEGER NOT NULL DEFAULT 0, mediation_failed INTEGER NOT NULL DEFAULT 0,
    withdrawn INTEGER NOT NULL DEFAULT 0, accepted INTEGER NOT NULL DEFAULT 0,
    accepted_on_time INTEGER NOT NULL DEFAULT 0,
    grade_red INTEGER NOT NULL DEFAULT 0, grade_orange INTEGER NOT NULL DEFAULT 0,
    grade_yellow INTEGER NOT NULL DEFAULT 0, grade_green INTEGER NOT NULL DEFAULT 0,
    grade_none INTEGER NOT NULL DEFAULT 0,
    level_grid INTEGER NOT NULL DEFAULT 0, level_community INTEGER NOT NULL DEFAULT 0,
    level_township INTEGER NOT NULL DEFAULT 0, level_county INTEGER NOT NULL DEFAULT 0,
    level_none INTEGER NOT NULL DEFAULT 0,
    outcome_resolved INTEGER NOT NULL DEFAULT 0, outcome_mediated INTEGER NOT NULL DEFAULT 0,
    outcome_mediation_failed INTEGER NOT NULL DEFAULT 0, outcome_referred INTEGER NOT NULL DEFAULT 0,
    outcome_not_police INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (whole, area, grain, bin)
) WITHOUT ROWID;

CREATE TABLE stats_category_bins (
    whole INTEGER NOT NULL, area TEXT NOT NULL, grain TEXT NOT NULL, bin TEXT NOT NULL,
    kind TEXT NOT NULL, category TEXT NOT NULL, cases INTEGER NOT NULL,
    PRIMARY KEY (whole, area, grain, bin, kind, category)
) WITHOUT ROWID;

-- grade: '*' every grade; else the case's grade ('' not graded), kept for time to resolve only.
CREATE TABLE stats_duration_bins (
    whole INTEGER NOT NULL, area TEXT NOT NULL, measure TEXT NOT NULL, grade TEXT NOT NULL,
    grain TEXT NOT NULL, bin TEXT NOT NULL, bucket INTEGER NOT NULL,
    cases INTEGER NOT NULL, millis INTEGER NOT NULL,
    PRIMARY KEY (whole, area, measure, grade, grain, bin, bucket)
) WITHOUT ROWID;

-- Cases resolved, by owner, in the bin of the day they were resolved (the workload).
CREATE TABLE stats_owner_bins (
    whole INTEGER NOT NULL, area TEXT NOT NULL, grain TEXT NOT NULL, bin TEXT NOT NULL,
    owner_id INTEGER NOT NULL, resolved INTEGER NOT NULL,
    PRIMARY KEY (whole, area, grain, bin, owner_id)
) WITHOUT ROWID;

CREATE TABLE stats_followup_bins (
    whole INTEGER NOT NULL, area TEXT NOT NULL, grain TEXT NOT NULL, bin TEXT NOT NULL,
    asked INTEGER NOT NULL DEFAULT 0, answered INTEGER NOT NULL DEFAULT 0, solved INTEGER NOT NULL DEFAULT 0,
    rated INTEGER NOT NULL DEFAULT 0, satisfied INTEGER NOT NULL DEFAULT 0, stars INTEGER NOT NULL DEFAULT 0,
    no_response INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (whole, area, grain, bin)
) WITHOUT ROWID;

-- A case's contribution entering (sign 1) or leaving (sign -1) the rollups: inserting a row here
-- applies it at once; the row itself is not kept.
CREATE TABLE stats_case_changes (case_id INTEGER NOT NULL, sign INTEGER NOT NULL);
CREATE TABLE stats_followup_changes (case_id INTEGER NOT NULL, sign INTEGER NOT NULL);

CREATE TRIGGER stats_case_change AFTER INSERT ON stats_case_changes
BEGIN
    INSERT INTO stats_case_bins (whole, area, grain, bin, received, incidents, disputes, urgent, resolved,
        resolved_on_time, rejected, still_open, mediated, mediation_failed, withdrawn, accepted, accepted_on_time,
        grade_red, grade_orange, grade_yellow, grade_green, grade_none, level_grid, level_community,
        level_township, level_county, level_none, outcome_resolved, outcome_mediated, outcome_mediation_failed,
        outcome_referred, outcome_not_police)
    SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE f.area END, s.grain, substr(f.created_at, 1, s.width),
        NEW.sign * f.received, NEW.sign * f.incidents, NEW.sign * f.disputes, NEW.sign * f.urgent,
        NEW.sign * f.resolved, NEW.sign * f.resolved_on_time, NEW.sign * f.rejected, NEW.sign * f.still_open,
        NEW.sign * f.mediated, NEW.sign * f.mediation_failed, NEW.sign * f.withdrawn, NEW.sign * f.accepted,
        NEW.sign * f.accepted_on_time, NEW.sign * f.grade_red, NEW.sign * f.grade_orange,
        NEW.sign * f.grade_yellow, NEW.sign * f.grade_green, NEW.sign * f.grade_none, NEW.sign * f.level_grid,
        NEW.sign * f.level_community, NEW.sign * f.level_township, NEW.sign * f.level_county,
        NEW.sign * f.level_none, NEW.sign * f.outcome_resolved, NEW.sign * f.outcome_mediated,
        NEW.sign * f.outcome_mediation_failed, NEW.sign * f.outcome_referred, NEW.sign * f.outcome_not_police
    FROM stats_case_facts f, stats_slices s
    WHERE f.id = NEW.case_id AND (s.whole = 1 OR f.area IS NOT NULL)
    ON CONFLICT (whole, area, grain, bin) DO UPDATE SET
        received = received + excluded.received, incidents = incidents + excluded.incidents,
        disputes = disputes + excluded.disputes, urgent = urgent + excluded.urgent,
        resolved = resolved + excluded.resolved, resolved_on_time = resolved_on_time + excluded.resolved_on_time,
        rejected = rejected + excluded.rejected, still_open = still_open + excluded.still_open,
        mediated = mediated + excluded.mediated, mediation_failed = mediation_failed + excluded.mediation_failed,
        withdrawn = withdrawn + excluded.withdrawn, accepted = accepted + excluded.accepted,
        accepted_on_time = accepted_on_time + excluded.accepted_on_time,
        grade_red = grade_red + excluded.grade_red, grade_orange = grade_orange + excluded.grade_orange,
        grade_yellow = grade_yellow + excluded.grade_yellow, grade_green = grade_green + excluded.grade_green,
        grade_none = grade_none + excluded.grade_none, level_grid = level_grid + excluded.level_grid,
        level_community = level_community + excluded.level_community,
        level_township = level_township + excluded.level_township,
        level_county = level_county + excluded.level_county, level_none = level_none + excluded.level_none,
        outcome_resolved = outcome_resolved + excluded.outcome_resolved,
        outcome_mediated = outcome_mediated + excluded.outcome_mediated,
        outcome_mediation_failed = outcome_mediation_failed + excluded.outcome_mediation_failed,
        outcome_referred = outcome_referred + excluded.outcome_referred,
        outcome_not_police = outcome_not_police + excluded.outcome_not_police;

    INSERT INTO stats_category_bins (whole, area, grain, bin, kind, category, cases)
    SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE f.area END, s.grain, substr(f.created_at, 1, s.width),
        f.kind, f.category, NEW.sign
    FROM stats_case_facts f, stats_slices s
    WHERE f.id = NEW.case_id AND (s.whole = 1 OR f.area IS NOT NULL)
    ON CONFLICT (whole, area, grain, bin, kind, category) DO UPDATE SET cases = cases + excluded.cases;

    INSERT INTO stats_duration_bins (whole, area, measure, grade, grain, bin, bucket, cases, millis)
    SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE d.area END, d.measure,
        CASE g.every WHEN 1 THEN '*' ELSE d.grade END, s.grain, substr(d.created_at, 1, s.width),
        d.bucket, NEW.sign, NEW.sign * d.millis
    FROM stats_duration_facts d, stats_slices s, (SELECT 1 AS every UNION ALL SELECT 0) g
    WHERE d.id = NEW.case_id AND (s.whole = 1 OR d.area IS NOT NULL) AND (g.every = 1 OR d.measure = 'resolve')
    ON CONFLICT (whole, area, measure, grade, grain, bin, bucket) DO UPDATE SET
        cases = cases + excluded.cases, millis = millis + excluded.millis;

    INSERT INTO stats_owner_bins (whole, area, grain, bin, owner_id, resolved)
    SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE f.area END, s.grain, substr(f.resolved_at, 1, s.width),
        f.owner_id, NEW.sign
    FROM stats_case_facts f, stats_slices s
    WHERE f.id = NEW.case_id AND f.resolved = 1 AND f.resolved_at IS NOT NULL AND f.owner_id IS NOT NULL
      AND (s.whole = 1 OR f.area IS NOT NULL)
    ON CONFLICT (whole, area, grain, bin, owner_id) DO UPDATE SET resolved = resolved + excluded.resolved;

    DELETE FROM stats_case_changes WHERE rowid = NEW.rowid;
END;

CREATE TRIGGER stats_followup_change AFTER INSERT ON stats_followup_changes
BEGIN
    INSERT INTO stats_followup_bins (whole, area, grain, bin, asked, answered, solved, rated, satisfied, stars,
        no_response)
    SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE f.area END, s.grain, substr(f.asked_at, 1, s.width),
        NEW.sign * f.asked, NEW.sign * f.answered, NEW.sign * f.solved, NEW.sign * f.rated,
        NEW.sign * f.satisfied, NEW.sign * f.stars, NEW.sign * f.no_response
    FROM stats_followup_facts f, stats_slices s
    WHERE f.case_id = NEW.case_id AND (s.whole = 1 OR f.area IS NOT NULL)
    ON CONFLICT (whole, area, grain, bin) DO UPDATE SET
        asked = asked + excluded.asked, answered = answered + excluded.answered, solved = solved + excluded.solved,
        rated = rated + excluded.rated, satisfied = satisfied + excluded.satisfied, stars = stars + excluded.stars,
        no_response = no_response + excluded.no_response;

    DELETE FROM stats_followup_changes WHERE rowid = NEW.rowid;
END;

-- The cases' own triggers: the row leaves the rollups as it was and enters them as it is. A change
-- of area moves its follow-up visit too. Columns no figure reads (texts, updated_at…) fire nothing.
CREATE TRIGGER stats_case_inserted AFTER INSERT ON cases
BEGIN
    INSERT INTO stats_case_changes (case_id, sign) VALUES (NEW.id, 1);
END;

CREATE TRIGGER stats_case_updating BEFORE UPDATE OF kind, category, status, grade, emergency, complete, area,
    created_at, owner_id, level, accepted_at, accept_due, resolve_due, resolved_at, outcome ON cases
BEGIN
    INSERT INTO stats_case_changes (case_id, sign) VALUES (OLD.id, -1);
    INSERT INTO stats_followup_changes (case_id, sign) SELECT OLD.id, -1 WHERE OLD.area IS NOT NEW.area;
END;

CREATE TRIGGER stats_case_updated AFTER UPDATE OF kind, category, status, grade, emergency, complete, area,
    created_at, owner_id, level, accepted_at, accept_due, resolve_due, resolved_at, outcome ON cases
BEGIN
    INSERT INTO stats_case_changes (case_id, sign) VALUES (NEW.id, 1);
    INSERT INTO stats_followup_changes (case_id, sign) SELECT NEW.id, 1 WHERE OLD.area IS NOT NEW.area;
END;

CREATE TRIGGER stats_case_deleting BEFORE DELETE ON cases
BEGIN
    INSERT INTO stats_case_changes (case_id, sign) VALUES (OLD.id, -1);
    INSERT INTO stats_followup_changes (case_id, sign) VALUES (OLD.id, -1);
END;

CREATE TRIGGER stats_followup_inserted AFTER INSERT ON case_followups
BEGIN
    INSERT INTO stats_followup_changes (case_id, sign) VALUES (NEW.case_id, 1);
END;

CREATE TRIGGER stats_followup_updating BEFORE UPDATE OF case_id, asked_at, solved, stars, no_response
    ON case_followups
BEGIN
    INSERT INTO stats_followup_changes (case_id, sign) VALUES (OLD.case_id, -1);
END;

CREATE TRIGGER stats_followup_updated AFTER UPDATE OF case_id, asked_at, solved, stars, no_response
    ON case_followups
BEGIN
    INSERT INTO stats_followup_changes (case_id, sign) VALUES (NEW.case_id, 1);
END;

-- A follow-up deleted with its case was already taken out by stats_case_deleting (the case is gone
-- by then, so the view finds nothing to take out twice).
CREATE TRIGGER stats_followup_deleting BEFORE DELETE ON case_followups
BEGIN
    INSERT INTO stats_followup_changes (case_id, sign) VALUES (OLD.case_id, -1);
END;

-- Cases supervised in a period are counted distinct, a count that does not add up over bins: each
-- supervision is copied here with its case's area, so that the count reads an index alone.
CREATE TABLE stats_supervisions (
    supervision_id  INTEGER PRIMARY KEY,
    case_id         INTEGER NOT NULL,
    area            TEXT,
    created_at      TEXT NOT NULL
);
CREATE INDEX stats_supervisions_by_time ON stats_supervisions (created_at, case_id);
CREATE INDEX stats_supervisions_by_area ON stats_supervisions (area, created_at, case_id);
CREATE INDEX stats_supervisions_by_case ON stats_supervisions (case_id);

CREATE TRIGGER stats_supervision_added AFTER INSERT ON case_supervisions
BEGIN
    INSERT INTO stats_supervisions (supervision_id, case_id, area, created_at)
    SELECT NEW.id, NEW.case_id, area, NEW.created_at FROM cases WHERE id = NEW.case_id;
END;

CREATE TRIGGER stats_supervision_changed AFTER UPDATE OF case_id, created_at ON case_supervisions
BEGIN
    UPDATE stats_supervisions SET case_id = NEW.case_id, created_at = NEW.created_at,
        area = (SELECT area FROM cases WHERE id = NEW.case_id)
    WHERE supervision_id = OLD.id;
END;

CREATE TRIGGER stats_supervision_removed AFTER DELETE ON case_supervisions
BEGIN
    DELETE FROM stats_supervisions WHERE supervision_id = OLD.id;
END;

CREATE TRIGGER stats_supervised_case_moved AFTER UPDATE OF area ON cases WHEN OLD.area IS NOT NEW.area
BEGIN
    UPDATE stats_supervisions SET area = NEW.area WHERE case_id = NEW.id;
END;

-- Back-fill: the rollups of the cases and follow-ups already there.
INSERT INTO stats_case_bins (whole, area, grain, bin, received, incidents, disputes, urgent, resolved,
    resolved_on_time, rejected, still_open, mediated, mediation_failed, withdrawn, accepted, accepted_on_time,
    grade_red, grade_orange, grade_yellow, grade_green, grade_none, level_grid, level_community,
    level_township, level_county, level_none, outcome_resolved, outcome_mediated, outcome_mediation_failed,
    outcome_referred, outcome_not_police)
SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE f.area END AS bin_area, s.grain,
    substr(f.created_at, 1, s.width) AS bin_name, sum(received), sum(incidents), sum(disputes), sum(urgent),
    sum(resolved), sum(resolved_on_time), sum(rejected), sum(still_open), sum(mediated), sum(mediation_failed),
    sum(withdrawn), sum(accepted), sum(accepted_on_time), sum(grade_red), sum(grade_orange), sum(grade_yellow),
    sum(grade_green), sum(grade_none), sum(level_grid), sum(level_community), sum(level_township),
    sum(level_county), sum(level_none), sum(outcome_resolved), sum(outcome_mediated),
    sum(outcome_mediation_failed), sum(outcome_referred), sum(outcome_not_police)
FROM stats_case_facts f, stats_slices s
WHERE s.whole = 1 OR f.area IS NOT NULL
GROUP BY s.whole, bin_area, s.grain, bin_name;

INSERT INTO stats_category_bins (whole, area, grain, bin, kind, category, cases)
SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE f.area END AS bin_area, s.grain,
    substr(f.created_at, 1, s.width) AS bin_name, f.kind, f.category, count(*)
FROM stats_case_facts f, stats_slices s
WHERE s.whole = 1 OR f.area IS NOT NULL
GROUP BY s.whole, bin_area, s.grain, bin_name, f.kind, f.category;

INSERT INTO stats_duration_bins (whole, area, measure, grade, grain, bin, bucket, cases, millis)
SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE d.area END AS bin_area, d.measure,
    CASE g.every WHEN 1 THEN '*' ELSE d.grade END AS bin_grade, s.grain,
    substr(d.created_at, 1, s.width) AS bin_name, d.bucket, count(*), sum(d.millis)
FROM stats_duration_facts d, stats_slices s, (SELECT 1 AS every UNION ALL SELECT 0) g
WHERE (s.whole = 1 OR d.area IS NOT NULL) AND (g.every = 1 OR d.measure = 'resolve')
GROUP BY s.whole, bin_area, d.measure, bin_grade, s.grain, bin_name, d.bucket;

INSERT INTO stats_owner_bins (whole, area, grain, bin, owner_id, resolved)
SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE f.area END AS bin_area, s.grain,
    substr(f.resolved_at, 1, s.width) AS bin_name, f.owner_id, count(*)
FROM stats_case_facts f, stats_slices s
WHERE f.resolved = 1 AND f.resolved_at IS NOT NULL AND f.owner_id IS NOT NULL AND (s.whole = 1 OR f.area IS NOT NULL)
GROUP BY s.whole, bin_area, s.grain, bin_name, f.owner_id;

INSERT INTO stats_followup_bins (whole, area, grain, bin, asked, answered, solved, rated, satisfied, stars,
    no_response)
SELECT s.whole, CASE s.whole WHEN 1 THEN '' ELSE f.area END AS bin_area, s.grain,
    substr(f.asked_at, 1, s.width) AS bin_name, sum(asked), sum(answered), sum(solved), sum(rated),
    sum(satisfied), sum(stars), sum(no_response)
FROM stats_followup_facts f, stats_slices s
WHERE s.whole = 1 OR f.area IS NOT NULL
GROUP BY s.whole, bin_area, s.grain, bin_name;

INSERT INTO stats_supervisions (supervision_id, case_id, area, created_at)
SELECT s.id, s.case_id, c.area, s.created_at FROM case_supervisions s JOIN cases c ON c.id = s.case_id;
