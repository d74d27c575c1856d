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

-- The funnel counts onboardings by market and stage, of a range of start
-- dates, of one platform's sellers, and the stops by question: this index
-- answers both without reading the rows (which hold the whole state). It
-- takes the place of onboardings_market_stage (its first two columns), and
-- changes only when they do, so a save writes what it wrote before.
DROP INDEX onboardings_market_stage;
CREATE INDEX onboardings_funnel ON onboardings (market, stage, started_at, seller_id, stop_question);

-- Stuck sellers: the onboardings idle the longest, without reading the
-- rows. updated_at changes with every answer, so each save rewrites this
-- entry: the price of a list that is not a scan of every onboarding.
CREATE INDEX onboardings_idle ON onboardings (updated_at, stage, market, seller_id, question);

-- The checklist items page counts sellers by market, item and status.
-- It costs each checklist row written one more b-tree entry.
CREATE INDEX progress_items_status ON progress_items (market, item, status);

-- +goose Down
DROP INDEX onboardings_idle;
DROP INDEX progress_items_status;
DROP INDEX onboardings_funnel;
CREATE INDEX onboardings_market_stage ON onboardings (market, stage);
DROP INDEX outbox_seller;
DROP TABLE nudges;
DROP TABLE admin_sessions;
DROP TABLE admin_logins;
