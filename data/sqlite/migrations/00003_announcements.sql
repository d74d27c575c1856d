-- +goose Up
-- Announcements from admins, and who they went to.
CREATE TABLE announcements (
    id           INTEGER PRIMARY KEY,
    markets      TEXT     NOT NULL,             -- comma-separated market ids
    category     TEXT     NOT NULL DEFAULT '',
    stage        TEXT     NOT NULL DEFAULT '',  -- only sellers at this stage
    open_item    TEXT     NOT NULL DEFAULT '',  -- only sellers with this checklist item not done
    text_zh      TEXT     NOT NULL DEFAULT '',
    text_en      TEXT     NOT NULL DEFAULT '',
    created_by   TEXT     NOT NULL,             -- "telegram:123", "slack:U1" or "shell"
    admin_seller INTEGER  REFERENCES sellers (id),
    recipients   INTEGER  NOT NULL DEFAULT 0,
    created_at   DATETIME NOT NULL,
    finished_at  DATETIME
);

-- One outbox row per announcement and seller: an announcement cannot reach a seller twice.
ALTER TABLE outbox ADD COLUMN announcement_id INTEGER REFERENCES announcements (id);
-- The platform's id of the message once sent, so it can be edited (an admin's progress message).
ALTER TABLE outbox ADD COLUMN ref TEXT NOT NULL DEFAULT '';
-- The announcement whose progress this message reports: an admin's message (kind 'reply') that is
-- edited as delivery goes.
ALTER TABLE outbox ADD COLUMN status_of INTEGER REFERENCES announcements (id);
CREATE UNIQUE INDEX outbox_announcement_seller ON outbox (announcement_id, seller_id) WHERE announcement_id IS NOT NULL;
CREATE INDEX outbox_by_announcement ON outbox (announcement_id) WHERE announcement_id IS NOT NULL;
CREATE INDEX outbox_due_kind ON outbox (platform, kind, chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- A seller who starts a market is subscribed to its announcements until they mute it.
ALTER TABLE onboardings ADD COLUMN muted INTEGER NOT NULL DEFAULT 0;

-- An admin's announcement being written in chat.
CREATE TABLE admin_drafts (
    seller_id  INTEGER PRIMARY KEY REFERENCES sellers (id),
    draft      TEXT     NOT NULL,
    updated_at DATETIME NOT NULL
);

-- Every version of every market's rules the bot has run, so a new version
-- can be compared with the one sellers were checked against.
CREATE TABLE rule_sets (
    market    TEXT     NOT NULL,
    version   TEXT     NOT NULL,
    rules     TEXT     NOT NULL,  -- the flows.Market as JSON
    loaded_at DATETIME NOT NULL,
    PRIMARY KEY (market, version)
);

-- +goose Down
DROP TABLE rule_sets;
DROP TABLE admin_drafts;
ALTER TABLE onboardings DROP COLUMN muted;
DROP INDEX outbox_due_kind;
DROP INDEX outbox_by_announcement;
DROP INDEX outbox_announcement_seller;
ALTER TABLE outbox DROP COLUMN status_of;
ALTER TABLE outbox DROP COLUMN ref;
ALTER TABLE outbox DROP COLUMN announcement_id;
DROP TABLE announcements;
