-- Figures (/stats, the weekly briefing, exports; issue 14) are SQL aggregates over a period of
-- creation, for all areas or some. These covering indexes let SQLite answer them from the index
-- alone, without reading the cases' texts: by time, and by area then time.
CREATE INDEX cases_stats_by_created ON cases (created_at, complete, area, kind, category, grade, level, status,
                                              outcome, emergency, accepted_at, accept_due, resolved_at, resolve_due);
CREATE INDEX cases_stats_by_area ON cases (area, created_at, complete, kind, category, grade, level, status,
                                           outcome, emergency, accepted_at, accept_due, resolved_at, resolve_due);
-- Per-officer workload: open cases by owner; cases resolved in a period.
CREATE INDEX cases_by_owner_status ON cases (owner_id, status);
CREATE INDEX cases_by_resolved ON cases (resolved_at) WHERE resolved_at IS NOT NULL;
-- Follow-up visits asked in a period.
CREATE INDEX case_followups_asked ON case_followups (asked_at);
