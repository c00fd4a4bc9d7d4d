-- Staff search (/find, issue 12). Chinese has no spaces between words and people search for two
-- characters (电瓶, 噪音), which SQLite's trigram tokenizer cannot match; so each case's words are
-- indexed as overlapping two-character pieces (电瓶车 → 电瓶 瓶车), a query is matched as the
-- phrase of its pieces, and the FTS5 index answers substring searches without scanning cases.
-- rowid = cases.id; `terms` is built by bot/services/case_search.py (index_terms).
CREATE VIRTUAL TABLE case_search USING fts5(terms, tokenize = 'unicode61 remove_diacritics 0');

-- A search a staff member ran, so its Next / Previous buttons carry only its id and a page.
CREATE TABLE case_searches (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id     INTEGER NOT NULL,
    query       TEXT NOT NULL,
    created_at  TEXT NOT NULL
);

-- Searches by filters alone (/cases' sections, "open cases in 翠湖苑"), newest first.
CREATE INDEX cases_by_status_area ON cases (status, area, created_at);
CREATE INDEX cases_by_created ON cases (created_at);
