-- The follow-up visit after a case passed on to another office ("referred") or found not to be a
-- police matter asks what fits it, not whether the problem is solved: whether the office has been
-- in touch / whether the reporter knows where to turn. 1 yes, 0 no, NULL not asked or not answered.
-- It is not a "solved" answer: the figures' solved share stays over the cases the police resolved.
ALTER TABLE case_followups ADD COLUMN helped_elsewhere INTEGER;
