-- Case handling (issue 12): duplicates merged into their original, staff away, withdrawn reports.
-- `related_case_id` stays what it was (a report the resident chose to send separately from a
-- possible duplicate); `duplicate_of` is the original a staff member found this case repeats.
ALTER TABLE cases ADD COLUMN duplicate_of INTEGER REFERENCES cases (id);
CREATE INDEX cases_duplicate_of ON cases (duplicate_of) WHERE duplicate_of IS NOT NULL;

-- A staff member who is away (leave, training): kept out of assign lists, their reminders go to
-- the supervisors. NULL: at work.
ALTER TABLE users ADD COLUMN away_since TEXT;
