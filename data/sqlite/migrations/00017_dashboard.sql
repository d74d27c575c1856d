-- +goose Up
-- The admins' web pages (adapters/web). Numbered after the issue that
-- added them, so migrations added beside it on other branches keep theirs.

-- One-time login links: the hash of the token only, so a copy of the
-- database lets nobody in.
CREATE TABLE admin_logins (
    hash       TEXT     PRIMARY KEY,
    admin      TEXT     NOT NULL,  -- "platform:user id"
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL,
    used_at    DATETIME
) WITHOUT ROWID;

-- Signed-in admins, by the hash of their cookie's token.
CREATE TABLE admin_sessions (
    hash       TEXT     PRIMARY KEY,
    admin      TEXT     NOT NULL,
    csrf       TEXT     NOT NULL,
    lang       TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    expires_at DATETIME NOT NULL
) WITHOUT ROWID;

-- Nudges admins sent stuck sellers: one per onboarding and last activity,
-- so a second click (or a second admin) sends nothing more.
CREATE TABLE nudges (
    seller_id INTEGER  NOT NULL REFERENCES sellers (id),
    market    TEXT     NOT NULL,
    since     DATETIME NOT NULL,  -- the onboarding's updated_at when nudged
    by        TEXT     NOT NULL,
    at        DATETIME NOT NULL,
    PRIMARY KEY (seller_id, market, since)
) WITHOUT ROWID;

-- One seller's messages, for the seller page: without it the page would
-- read the whole outbox. It costs each queued message one more b-tree entry.
CREATE INDEX outbox_seller ON outbox (seller_id, id);

-- +goose Down
DROP INDEX outbox_seller;
DROP TABLE nudges;
DROP TABLE admin_sessions;
DROP TABLE admin_logins;
