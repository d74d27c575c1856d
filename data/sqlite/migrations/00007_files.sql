-- +goose Up
-- The bytes of a file a queued message carries (an export), beside the
-- message rather than in its payload: the dispatcher reads payloads often,
-- the bytes only to send. They go when their message does.
CREATE TABLE outbox_files (
    outbox_id INTEGER PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
    data      BLOB    NOT NULL
);

-- The files sellers attach to checklist items as evidence: the platform's
-- reference to each (Telegram file_id, Slack file id), not a copy. The
-- same file attached to the same item again is recorded once.
CREATE TABLE item_files (
    id        INTEGER PRIMARY KEY,
    seller_id INTEGER  NOT NULL REFERENCES sellers (id),
    market    TEXT     NOT NULL,
    item      TEXT     NOT NULL,
    file_ref  TEXT     NOT NULL,
    unique_id TEXT     NOT NULL,  -- Telegram file_unique_id, Slack file id
    name      TEXT     NOT NULL DEFAULT '',
    mime      TEXT     NOT NULL DEFAULT '',
    size      INTEGER  NOT NULL DEFAULT 0,
    photo     INTEGER  NOT NULL DEFAULT 0,
    link      TEXT     NOT NULL DEFAULT '',
    added_at  DATETIME NOT NULL,
    UNIQUE (seller_id, market, item, unique_id)
);

-- +goose Down
DROP TABLE item_files;
DROP TABLE outbox_files;
