-- +goose Up
-- Seller progress as rows reports can query, written by SaveOnboarding in
-- the transaction that writes the state it is derived from. An onboarding
-- without a row here (a database from before) is brought in by the next
-- rule sync at start-up, which lists it as behind.
CREATE TABLE progress (
    seller_id     INTEGER  NOT NULL,
    market        TEXT     NOT NULL,
    stage         TEXT     NOT NULL,
    question      TEXT     NOT NULL DEFAULT '',  -- the open question, if any
    stop_question TEXT     NOT NULL DEFAULT '',  -- the question whose answer stopped onboarding
    last_activity DATETIME NOT NULL,
    PRIMARY KEY (seller_id, market),
    FOREIGN KEY (seller_id, market) REFERENCES onboardings (seller_id, market)
) WITHOUT ROWID;
CREATE INDEX progress_market_stage ON progress (market, stage);

-- The categories a seller picked, one row each.
CREATE TABLE progress_categories (
    seller_id INTEGER NOT NULL,
    market    TEXT    NOT NULL,
    position  INTEGER NOT NULL,
    category  TEXT    NOT NULL,
    PRIMARY KEY (seller_id, market, position)
) WITHOUT ROWID;

-- Each checklist item that applies to a seller, as they stand with it.
CREATE TABLE progress_items (
    seller_id   INTEGER NOT NULL,
    market      TEXT    NOT NULL,
    position    INTEGER NOT NULL,  -- rule-file order
    item        TEXT    NOT NULL,
    status      TEXT    NOT NULL,  -- todo, done, na
    cert_number TEXT    NOT NULL DEFAULT '',
    expiry      TEXT    NOT NULL DEFAULT '',  -- YYYY-MM-DD
    PRIMARY KEY (seller_id, market, position)
) WITHOUT ROWID;
CREATE INDEX progress_items_by_item ON progress_items (market, item, status);
CREATE INDEX progress_items_expiry ON progress_items (expiry) WHERE expiry != '';

-- An announcement's markets, one row each, in the order the admin gave
-- them (they were a comma-joined list in announcements.markets, which new
-- announcements leave empty).
CREATE TABLE announcement_markets (
    announcement_id INTEGER NOT NULL REFERENCES announcements (id),
    position        INTEGER NOT NULL,
    market          TEXT    NOT NULL,
    PRIMARY KEY (announcement_id, position)
) WITHOUT ROWID;
CREATE INDEX announcement_markets_market ON announcement_markets (market);
-- +goose StatementBegin
INSERT INTO announcement_markets (announcement_id, position, market)
WITH RECURSIVE split (id, position, market, rest) AS (
    SELECT id, -1, '', markets || ',' FROM announcements WHERE markets != ''
    UNION ALL
    SELECT id, position + 1, substr(rest, 1, instr(rest, ',') - 1), substr(rest, instr(rest, ',') + 1)
    FROM split WHERE rest != ''
)
SELECT id, position, market FROM split WHERE position >= 0;
UPDATE announcements SET markets = '';
-- +goose StatementEnd

-- +goose Down
UPDATE announcements SET markets = coalesce((SELECT group_concat(market, ',') FROM
    (SELECT market FROM announcement_markets m WHERE m.announcement_id = announcements.id ORDER BY position)), '');
DROP INDEX announcement_markets_market;
DROP TABLE announcement_markets;
DROP INDEX progress_items_expiry;
DROP INDEX progress_items_by_item;
DROP TABLE progress_items;
DROP TABLE progress_categories;
DROP TABLE progress;
