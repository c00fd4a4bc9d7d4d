-- A reporter Telegram refused a message to (403: they blocked the bot), per case: the card says
-- the reporter is unreachable and staff are told their words did not arrive. Cleared when a
-- later message to them on that case gets through.
ALTER TABLE case_reporters ADD COLUMN unreachable_since TEXT;
