-- +goose Up
-- Seller progress as rows reports can query, written by SaveOnboarding in
-- the statement and transaction that write the state it is derived from.
-- The onboarding row carries the head (stage and updated_at were there):
-- the open question, the question whose answer stopped onboarding, and
-- the rows below as written (empty until they are), so a save compares
-- with them and writes only what changed without reading the rows back.
-- An onboarding not yet projected (a database from before) is brought in
-- by the rule sync at start-up.
ALTER TABLE onboardings ADD COLUMN question TEXT NOT NULL DEFAULT '';
ALTER TABLE onboardings ADD COLUMN stop_question TEXT NOT NULL DEFAULT '';
ALTER TABLE onboardings ADD COLUMN projection TEXT NOT NULL DEFAULT '';
-- The onboardings not projected yet, for the start-up rule sync: rows leave
-- it when first projected and never come back, so saves do not touch it.
CREATE INDEX onboardings_unprojected ON onboardings (market) WHERE projection = '';

-- The categories a seller picked, one row each. Keyed by market first:
-- reports ask per market, and the writer always knows the market too, so
-- one b-tree serves both and each row costs one write.
CREATE TABLE progress_categories (
    market    TEXT    NOT NULL,
    seller_id INTEGER NOT NULL,
    position  INTEGER NOT NULL,
    category  TEXT    NOT NULL,
    PRIMARY KEY (market, seller_id, position)
) WITHOUT ROWID;

-- Each checklist item that applies to a seller, as they stand with it.
CREATE TABLE progress_items (
    market      TEXT    NOT NULL,
    seller_id   INTEGER NOT NULL,
    position    INTEGER NOT NULL,  -- rule-file order
    item        TEXT    NOT NULL,
    status      TEXT    NOT NULL,  -- todo, done, na
    cert_number TEXT    NOT NULL DEFAULT '',
    expiry      TEXT    NOT NULL DEFAULT '',  -- YYYY-MM-DD
    PRIMARY KEY (market, seller_id, position)
) WITHOUT ROWID;
-- Certificates by expiry date, for reminders: only the rows that have one.
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
DROP TABLE progress_items;
DROP TABLE progress_categories;
DROP INDEX onboardings_unprojected;
ALTER TABLE onboardings DROP COLUMN projection;
ALTER TABLE onboardings DROP COLUMN stop_question;
ALTER TABLE onboardings DROP COLUMN question;
