-- An alert sent with several photos (or with one and a text too long for a caption) posts them as
-- an album before its text: the album's messages, so that a found person's photos can be removed
-- from the groups when the alert is closed. JSON list of message ids; '[]' for every other row.
ALTER TABLE notice_outbox ADD COLUMN album_message_ids TEXT NOT NULL DEFAULT '[]';
