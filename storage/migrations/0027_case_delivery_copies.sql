-- A case delivery whose request may have reached Telegram without our learning it (a read timeout,
-- a connection lost after sending, a crash while it was out; issue 19): Telegram cannot be asked,
-- so the next copy says it is one. `sending` is 1 from the moment a request of the delivery leaves
-- until its outcome is recorded (a start finds it still 1 after a crash); `maybe_delivered` is 1
-- while the next copy must carry the note.
ALTER TABLE case_deliveries ADD COLUMN sending INTEGER NOT NULL DEFAULT 0;
ALTER TABLE case_deliveries ADD COLUMN maybe_delivered INTEGER NOT NULL DEFAULT 0;
