-- Mediation with both parties (issue 17, 枫桥经验): a dispute case taken by a mediator, the other
-- party brought in through a single-use link, and each party's own account kept apart.

-- One mediation per case: the first staff member to take it is its mediator (UNIQUE case_id).
-- `status`: taken → invited → joined | declined; joined → proposed (an agreement to confirm) →
-- agreed → kept | broken; or failed (no agreement).
CREATE TABLE mediations (
    id             INTEGER PRIMARY KEY,
    case_id        INTEGER NOT NULL UNIQUE REFERENCES cases (id),
    mediator_id    INTEGER NOT NULL,
    status         TEXT NOT NULL,
    summary        TEXT,              -- the mediator's neutral summary, shown to the other party
    other_party_id INTEGER,           -- set when the other party joins
    decline_reason TEXT,
    meeting_round  INTEGER NOT NULL DEFAULT 0,  -- the round of meeting times now proposed (0: none yet)
    agreement_round INTEGER NOT NULL DEFAULT 0, -- the agreement now recorded (0: none yet)
    agreement_photo TEXT,             -- Telegram file id of the signed paper, if photographed
    outcome_reason TEXT,              -- no agreement: why
    referral       TEXT,              -- no agreement: court | arbitration | labour | agency | none
    followup_due   TEXT,              -- when both parties are visited after a kept agreement
    started_at     TEXT NOT NULL,
    joined_at      TEXT,
    declined_at    TEXT,
    closed_at      TEXT
);
CREATE INDEX mediations_other_party ON mediations (other_party_id) WHERE other_party_id IS NOT NULL;

-- The invitation links (`/start med_<token>`): single-use, expiring. A new link replaces none:
-- each is checked on its own, and a used or expired one is refused politely.
CREATE TABLE mediation_invites (
    token        TEXT PRIMARY KEY,
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL,
    used_by      INTEGER,
    used_at      TEXT
);

-- Dispute cases offered to mediators in private: the area's mediators first (`offered_at`), the
-- others once nobody took it in time (`widened_at`).
CREATE TABLE mediation_offers (
    case_id    INTEGER PRIMARY KEY REFERENCES cases (id),
    offered_at TEXT NOT NULL,
    widened_at TEXT
);
-- Disputes from before mediation existed are not offered all at once on the first start.
INSERT INTO mediation_offers (case_id, offered_at, widened_at)
SELECT id, created_at, created_at FROM cases WHERE kind = 'dispute';

-- Each party's own account (text, photo or document): seen by its author and the mediator only.
-- `side`: 'reporter' or 'other'.
CREATE TABLE mediation_accounts (
    id           INTEGER PRIMARY KEY,
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    user_id      INTEGER NOT NULL,
    side         TEXT NOT NULL CHECK (side IN ('reporter', 'other')),
    kind         TEXT NOT NULL CHECK (kind IN ('text', 'photo', 'document')),
    text         TEXT NOT NULL DEFAULT '',
    file_id      TEXT,
    created_at   TEXT NOT NULL
);
CREATE INDEX mediation_accounts_of ON mediation_accounts (mediation_id, user_id);

-- Meeting times the mediator proposes, a round at a time (a new round when a party asks for another).
-- `place`: 'room' (the mediation room), 'site' (on site), 'remote' (by phone or video).
CREATE TABLE mediation_slots (
    id           INTEGER PRIMARY KEY,
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    round        INTEGER NOT NULL,
    place        TEXT NOT NULL CHECK (place IN ('room', 'site', 'remote')),
    place_note   TEXT NOT NULL DEFAULT '',
    starts_at    TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
CREATE INDEX mediation_slots_round ON mediation_slots (mediation_id, round);

-- Each party's answer in a round: a slot, or NULL for "none of these suit me".
CREATE TABLE mediation_picks (
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    round        INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    slot_id      INTEGER REFERENCES mediation_slots (id),
    picked_at    TEXT NOT NULL,
    PRIMARY KEY (mediation_id, round, user_id)
);

-- The meeting both parties agreed on, its reminders (sent once each) and who came.
CREATE TABLE mediation_meetings (
    id                  INTEGER PRIMARY KEY,
    mediation_id        INTEGER NOT NULL REFERENCES mediations (id),
    slot_id             INTEGER NOT NULL UNIQUE REFERENCES mediation_slots (id),
    starts_at           TEXT NOT NULL,
    agreed_at           TEXT NOT NULL,
    day_reminded_at     TEXT,
    hour_reminded_at    TEXT,
    attendance_asked_at TEXT,
    reporter_came       INTEGER,   -- NULL: not recorded yet
    other_came          INTEGER
);
CREATE INDEX mediation_meetings_due ON mediation_meetings (starts_at);

-- The agreement: terms (who does what by when), a round at a time (a party who says "not what was
-- agreed" sends it back to the mediator, who records it again). `who`: 'reporter', 'other', 'both'.
-- `kept`: the compliance check on `due_on` (NULL: not asked or not answered yet).
CREATE TABLE mediation_terms (
    id           INTEGER PRIMARY KEY,
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    round        INTEGER NOT NULL,
    position     INTEGER NOT NULL,
    who          TEXT NOT NULL CHECK (who IN ('reporter', 'other', 'both')),
    text         TEXT NOT NULL,
    due_on       TEXT NOT NULL,     -- YYYY-MM-DD, in the deployment's time zone
    asked_at     TEXT,
    kept         INTEGER,
    answered_at  TEXT
);
CREATE INDEX mediation_terms_round ON mediation_terms (mediation_id, round);

-- Each party's answer to an agreement round: 'confirmed' or 'disputed'.
CREATE TABLE mediation_confirmations (
    mediation_id INTEGER NOT NULL REFERENCES mediations (id),
    round        INTEGER NOT NULL,
    user_id      INTEGER NOT NULL,
    answer       TEXT NOT NULL CHECK (answer IN ('confirmed', 'disputed')),
    at           TEXT NOT NULL,
    PRIMARY KEY (mediation_id, round, user_id)
);

-- Each party's answer to "was it done?" for a term (the term is kept when both say yes).
CREATE TABLE mediation_checks (
    term_id  INTEGER NOT NULL REFERENCES mediation_terms (id),
    user_id  INTEGER NOT NULL,
    kept     INTEGER NOT NULL,
    at       TEXT NOT NULL,
    PRIMARY KEY (term_id, user_id)
);
