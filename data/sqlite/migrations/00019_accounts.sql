-- +goose Up
-- Linked accounts and teams (issue 19). A seller row is a company: it owns
-- the progress. Its people are members (own name and language; a role),
-- each talking from one or more accounts (a platform and its user id).
-- The seller row keeps the account used most recently, so announcements
-- and reminders, once per company, go there. Numbered after the issue.

CREATE TABLE members (
    id         INTEGER PRIMARY KEY,
    seller_id  INTEGER  NOT NULL REFERENCES sellers (id),
    name       TEXT     NOT NULL DEFAULT '',
    role       TEXT     NOT NULL DEFAULT 'member',  -- owner, member
    lang       TEXT     NOT NULL DEFAULT 'en',
    lang_set   INTEGER  NOT NULL DEFAULT 0,
    platform   TEXT     NOT NULL DEFAULT '',  -- the member's account used most recently
    user_id    TEXT     NOT NULL DEFAULT '',
    seen       TEXT     NOT NULL DEFAULT '',  -- the question last shown: "market/question"
    last_did   TEXT     NOT NULL DEFAULT '',
    last_at    DATETIME,
    created_at DATETIME NOT NULL
);
CREATE INDEX members_seller ON members (seller_id);

CREATE TABLE accounts (
    platform   TEXT     NOT NULL,
    user_id    TEXT     NOT NULL,
    chat_id    TEXT     NOT NULL DEFAULT '',
    seller_id  INTEGER  NOT NULL REFERENCES sellers (id),
    member_id  INTEGER  NOT NULL REFERENCES members (id),
    created_at DATETIME NOT NULL,
    PRIMARY KEY (platform, user_id)
) WITHOUT ROWID;
CREATE INDEX accounts_seller ON accounts (seller_id);
CREATE INDEX accounts_member ON accounts (member_id);

-- Every seller so far is one person on one account: its owner, whose
-- member id is the seller's.
INSERT INTO members (id, seller_id, role, lang, lang_set, platform, user_id, created_at)
    SELECT id, id, 'owner', lang, lang_set, platform, user_id, created_at FROM sellers;
INSERT INTO accounts (platform, user_id, chat_id, seller_id, member_id, created_at)
    SELECT platform, user_id, chat_id, id, id, created_at FROM sellers;

-- One-time codes (/link, /invite): id finds one, hash (of the whole code)
-- proves it; tries counts wrong secrets given for the id.
CREATE TABLE link_codes (
    id         TEXT     PRIMARY KEY,
    hash       TEXT     NOT NULL,
    kind       TEXT     NOT NULL,  -- link, invite
    seller_id  INTEGER  NOT NULL REFERENCES sellers (id),
    member_id  INTEGER  NOT NULL,
    tries      INTEGER  NOT NULL DEFAULT 0,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME
) WITHOUT ROWID;

-- Wrong codes given, per account: attempts are rate-limited.
CREATE TABLE code_tries (
    platform TEXT     NOT NULL,
    user_id  TEXT     NOT NULL,
    at       DATETIME NOT NULL
);
CREATE INDEX code_tries_account ON code_tries (platform, user_id, at);

-- Lines for members about what another did, sent as one message once
-- their burst is over.
CREATE TABLE team_notes (
    id        INTEGER PRIMARY KEY,
    seller_id INTEGER  NOT NULL,
    member_id INTEGER  NOT NULL,
    text_zh   TEXT     NOT NULL,
    text_en   TEXT     NOT NULL,
    at        DATETIME NOT NULL
);
CREATE INDEX team_notes_member ON team_notes (member_id, id);

-- Markets where two joined companies both had progress: the retired
-- company's stays apart until the seller chooses which to keep.
CREATE TABLE merges (
    seller_id   INTEGER  NOT NULL,
    from_seller INTEGER  NOT NULL,
    market      TEXT     NOT NULL,
    at          DATETIME NOT NULL,
    PRIMARY KEY (seller_id, from_seller, market)
) WITHOUT ROWID;

-- +goose Down
DROP TABLE merges;
DROP TABLE team_notes;
DROP TABLE code_tries;
DROP TABLE link_codes;
DROP TABLE accounts;
DROP TABLE members;
