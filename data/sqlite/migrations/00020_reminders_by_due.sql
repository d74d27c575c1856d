-- +goose Up
-- Reminders are finished in the order they fall due, each setting
-- finished_at on its row. Keyed by seller first, every finish wrote a page
-- of its own somewhere in the table; keyed by when it is due first, the
-- rows finished together sit together, and a round's writes touch a few
-- pages instead of one per reminder. The seller's key stays unique (what
-- planning's ON CONFLICT and /reminders use) as an index whose columns a
-- finish does not change, so it is not written then.
CREATE TABLE reminders_by_due (
    seller_id   INTEGER  NOT NULL,
    market      TEXT     NOT NULL,
    item        TEXT     NOT NULL,
    kind        TEXT     NOT NULL,
    target      TEXT     NOT NULL,
    due_at      DATETIME NOT NULL,
    finished_at DATETIME,
    outcome     TEXT     NOT NULL DEFAULT '',
    PRIMARY KEY (due_at, seller_id, market, item, kind, target)
) WITHOUT ROWID;
-- In the new key's order, so that the copy appends.
INSERT INTO reminders_by_due SELECT seller_id, market, item, kind, target, due_at, finished_at, outcome FROM reminders
    ORDER BY due_at, seller_id, market, item, kind, target;
DROP INDEX reminders_due;
DROP TABLE reminders;
ALTER TABLE reminders_by_due RENAME TO reminders;
CREATE UNIQUE INDEX reminders_key ON reminders (seller_id, market, item, kind, target);
CREATE INDEX reminders_due ON reminders (due_at) WHERE finished_at IS NULL;

-- +goose Down
CREATE TABLE reminders_by_seller (
    seller_id   INTEGER  NOT NULL,
    market      TEXT     NOT NULL,
    item        TEXT     NOT NULL,
    kind        TEXT     NOT NULL,
    target      TEXT     NOT NULL,
    due_at      DATETIME NOT NULL,
    finished_at DATETIME,
    outcome     TEXT     NOT NULL DEFAULT '',
    PRIMARY KEY (seller_id, market, item, kind, target)
) WITHOUT ROWID;
INSERT INTO reminders_by_seller SELECT seller_id, market, item, kind, target, due_at, finished_at, outcome FROM reminders;
DROP INDEX reminders_due;
DROP INDEX reminders_key;
DROP TABLE reminders;
ALTER TABLE reminders_by_seller RENAME TO reminders;
CREATE INDEX reminders_due ON reminders (due_at) WHERE finished_at IS NULL;
