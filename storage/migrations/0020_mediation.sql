-- Mediation with both parties (issue 17). The columns are described in storage/mediation*.py.
CREATE TABLE mediations (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL UNIQUE REFERENCES cases (id),
    mediator_id INTEGER NOT NULL,
    status TEXT NOT NULL,
    summary TEXT,
    other_party_id INTEGER,
    decline_reason TEXT,
    meeting_round INTEGER NOT NULL DEFAULT 0,
    agreement_round INTEGER NOT NULL DEFAULT 0,
    agreement_photo TEXT,
    outcome_reason TEXT,
    referral TEXT,
    followup_due TEXT,
    started_at TEXT NOT NULL,
    joined_at TEXT,
    declined_at TEXT,
    closed_at TEXT
);
CREATE TABLE mediation_invites (
    token TEXT PRIMARY KEY,
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_by INTEGER,
    used_at TEXT
);
CREATE TABLE mediation_offers (
    case_id INTEGER PRIMARY KEY REFERENCES cases (id),
    offered_at TEXT NOT NULL,
    widened_at TEXT
);
-- Disputes from before mediation existed are not offered all at once on the first start.
INSERT INTO mediation_offers (case_id, offered_at, widened_at)
SELECT id, created_at, created_at FROM cases WHERE kind = 'dispute';
CREATE TABLE mediation_accounts (
    id INTEGER PRIMARY KEY,
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    user_id INTEGER NOT NULL,
    side TEXT NOT NULL CHECK (side IN ('reporter', 'other')),
    kind TEXT NOT NULL CHECK (kind IN ('text', 'photo', 'document')),
    text TEXT NOT NULL DEFAULT '',
    file_id TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX mediation_accounts_of ON mediation_accounts (mediation_id, user_id);
CREATE TABLE mediation_slots (
    id INTEGER PRIMARY KEY,
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    round INTEGER NOT NULL,
    place TEXT NOT NULL CHECK (place IN ('room', 'site', 'remote')),
    place_note TEXT NOT NULL DEFAULT '',
    starts_at TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE mediation_picks (
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    round INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    slot_id INTEGER REFERENCES mediation_slots (id),
    picked_at TEXT NOT NULL,
    PRIMARY KEY (mediation_id, round, user_id)
);
CREATE TABLE mediation_meetings (
    id INTEGER PRIMARY KEY,
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    slot_id INTEGER NOT NULL UNIQUE REFERENCES mediation_slots (id),
    starts_at TEXT NOT NULL,
    agreed_at TEXT NOT NULL,
    day_reminded_at TEXT,
    hour_reminded_at TEXT,
    attendance_asked_at TEXT,
    reporter_came INTEGER,
    other_came INTEGER
);
CREATE INDEX mediation_meetings_due ON mediation_meetings (starts_at);
CREATE TABLE mediation_terms (
    id INTEGER PRIMARY KEY,
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    round INTEGER NOT NULL,
    position INTEGER NOT NULL,
    who TEXT NOT NULL CHECK (who IN ('reporter', 'other', 'both')),
    text TEXT NOT NULL,
    due_on TEXT NOT NULL,
    asked_at TEXT,
    kept INTEGER,
    answered_at TEXT
);
CREATE TABLE mediation_confirmations (
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    round INTEGER NOT NULL,
    user_id INTEGER NOT NULL,
    answer TEXT NOT NULL CHECK (answer IN ('confirmed', 'disputed')),
    at TEXT NOT NULL,
    PRIMARY KEY (mediation_id, round, user_id)
);
CREATE TABLE mediation_checks (
    term_id INTEGER NOT NULL REFERENCES mediation_terms (id),
    user_id INTEGER NOT NULL,
    kept INTEGER NOT NULL,
    at TEXT NOT NULL,
    PRIMARY KEY (term_id, user_id)
);
