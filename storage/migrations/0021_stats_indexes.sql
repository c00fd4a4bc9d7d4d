-- Figures (/stats, the weekly briefing, exports; issue 14) are SQL aggregates over a period of
-- creation, for all areas or some. These covering indexes let SQLite answer them from the index
-- alone, without reading the cases' texts: by time, and by area then time.
CREATE INDEX cases_stats_by_created ON cases (created_at, complete, area, kind, category, grade, level, status,
                                              outcome, emergency, accepted_at, accept_due, resolved_at, resolve_due);
CREATE INDEX cases_stats_by_area ON cases (area, created_at, complete, kind, category, grade, level, status,
                                           outcome, emergency, accepted_at, accept_due, resolved_at, resolve_due);
-- Per-officer workload: the cases resolved in a period, by owner.
CREATE INDEX cases_by_resolved ON cases (resolved_at, owner_id, status, complete, area) WHERE resolved_at IS NOT NULL;
-- Follow-up visits asked in a period.
CREATE INDEX case_followups_asked ON case_followups (asked_at);
-- Open cases (a few of all): how many, which are overdue, whose they are (the workload's open side).
CREATE INDEX cases_open ON cases (area, owner_id, accept_due, resolve_due)
    WHERE complete = 1 AND status IN ('new', 'accepted', 'in_progress', 'reopened');
