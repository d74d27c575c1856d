-- +goose Up
-- Reminders: each seller's time zone and the kinds of reminder they
-- turned off (bit flags: 1 nudges, 2 rules, 4 certificates).
ALTER TABLE sellers ADD COLUMN tz TEXT NOT NULL DEFAULT '';
ALTER TABLE sellers ADD COLUMN tz_set INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sellers ADD COLUMN reminders_off INTEGER NOT NULL DEFAULT 0;

-- One row per reminder planned, keyed as it is sent at most once: a
-- changed date is another key. Pending while finished_at is NULL; then
-- outcome says what became of it (sent, skipped, cancelled), and the row
-- stays so that the same key is never planned again. Keyed by seller
-- first: planning and /reminders ask per seller.
CREATE TABLE reminders (
    seller_id   INTEGER  NOT NULL,
    market      TEXT     NOT NULL,
    item        TEXT     NOT NULL,  -- '' for a stalled onboarding
    kind        TEXT     NOT NULL,
    target      TEXT     NOT NULL,  -- the date (YYYY-MM-DD) or the last activity it is about
    due_at      DATETIME NOT NULL,
    finished_at DATETIME,
    outcome     TEXT     NOT NULL DEFAULT '',
    PRIMARY KEY (seller_id, market, item, kind, target)
) WITHOUT ROWID;
-- The pending reminders by when they are due: the next one, and those due.
CREATE INDEX reminders_due ON reminders (due_at) WHERE finished_at IS NULL;

-- How far the scheduled work has come (the stall scan's place, the rule
-- reminders planned, the certificates of before planned once).
CREATE TABLE reminder_marks (
    name  TEXT NOT NULL PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- The onboardings with a question open, by last activity, for the stall
-- scan. Only those rows: a seller at the checklist is never nudged.
CREATE INDEX onboardings_stalled ON onboardings (updated_at, seller_id, market) WHERE question != '';

-- +goose Down
DROP INDEX onboardings_stalled;
DROP TABLE reminder_marks;
DROP INDEX reminders_due;
DROP TABLE reminders;
ALTER TABLE sellers DROP COLUMN reminders_off;
ALTER TABLE sellers DROP COLUMN tz_set;
ALTER TABLE sellers DROP COLUMN tz;
