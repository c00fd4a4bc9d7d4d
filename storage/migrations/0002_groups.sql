-- Telegram groups the bot is in. `id` is ours and never changes; `chat_id` follows the group
-- when Telegram migrates it to a supergroup. `ref` is the public handle used in deep links.

CREATE TABLE groups (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id         INTEGER NOT NULL UNIQUE,
    ref             TEXT NOT NULL UNIQUE,
    title           TEXT NOT NULL DEFAULT '',
    chat_type       TEXT NOT NULL DEFAULT 'group',
    kind            TEXT CHECK (kind IN ('police_resident', 'homeowners', 'property', 'shop', 'village', 'staff')),
    area            TEXT,
    language        TEXT CHECK (language IN ('zh', 'en')),
    quiet_start     TEXT,             -- 'HH:MM' local time, NULL: no quiet hours of its own
    quiet_end       TEXT,
    notices_paused  INTEGER NOT NULL DEFAULT 0,
    active          INTEGER NOT NULL DEFAULT 1,
    bot_status      TEXT NOT NULL DEFAULT 'member',   -- member | administrator | left | kicked
    can_pin         INTEGER NOT NULL DEFAULT 0,
    joined_at       TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);

CREATE INDEX groups_kind_area ON groups (kind, area);
