-- +goose Up
-- Sellers are keyed by platform and the platform's user id.
CREATE TABLE sellers (
    id         INTEGER PRIMARY KEY,
    platform   TEXT     NOT NULL,
    user_id    TEXT     NOT NULL,
    chat_id    TEXT     NOT NULL DEFAULT '',
    lang       TEXT     NOT NULL DEFAULT 'en',
    lang_set   INTEGER  NOT NULL DEFAULT 0,
    market     TEXT     NOT NULL DEFAULT '',
    created_at DATETIME NOT NULL,
    UNIQUE (platform, user_id)
);

-- One row per seller and market; state is flows.State as JSON.
CREATE TABLE onboardings (
    seller_id     INTEGER  NOT NULL REFERENCES sellers (id),
    market        TEXT     NOT NULL,
    rules_version TEXT     NOT NULL,
    stage         TEXT     NOT NULL,
    state         TEXT     NOT NULL,
    started_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL,
    PRIMARY KEY (seller_id, market)
);
CREATE INDEX onboardings_market_stage ON onboardings (market, stage);

-- Everything a seller answered, undid or marked, never rewritten.
CREATE TABLE answer_history (
    id        INTEGER PRIMARY KEY,
    seller_id INTEGER  NOT NULL REFERENCES sellers (id),
    market    TEXT     NOT NULL,
    action    TEXT     NOT NULL,
    question  TEXT     NOT NULL DEFAULT '',
    value     TEXT     NOT NULL DEFAULT '',
    at        DATETIME NOT NULL
);
CREATE INDEX answer_history_seller ON answer_history (seller_id, market, id);

-- +goose StatementBegin
CREATE TRIGGER answer_history_no_update BEFORE UPDATE ON answer_history
BEGIN
    SELECT RAISE(ABORT, 'answer_history is append-only');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER answer_history_no_delete BEFORE DELETE ON answer_history
BEGIN
    SELECT RAISE(ABORT, 'answer_history is append-only');
END;
-- +goose StatementEnd

-- Inbound deliveries already handled (Telegram update_id, Slack event_id).
CREATE TABLE inbound (
    platform   TEXT     NOT NULL,
    update_id  TEXT     NOT NULL,
    handled_at DATETIME NOT NULL,
    PRIMARY KEY (platform, update_id)
);

-- Messages to send, written in the transaction that produced them.
CREATE TABLE outbox (
    id         INTEGER PRIMARY KEY,
    platform   TEXT     NOT NULL,
    chat_id    TEXT     NOT NULL,
    seller_id  INTEGER  REFERENCES sellers (id),
    kind       TEXT     NOT NULL,
    payload    TEXT     NOT NULL,
    created_at DATETIME NOT NULL,
    sent_at    DATETIME
);
CREATE INDEX outbox_pending ON outbox (platform, sent_at, id);

-- +goose Down
DROP TABLE outbox;
DROP TABLE inbound;
DROP TRIGGER answer_history_no_delete;
DROP TRIGGER answer_history_no_update;
DROP TABLE answer_history;
DROP TABLE onboardings;
DROP TABLE sellers;
