-- +goose Up
-- A seller who blocked the bot (or whose chat is gone) is not sent to until they write again.
ALTER TABLE sellers ADD COLUMN unreachable_at DATETIME;

-- Messages that can never be delivered are set aside with the reason, not retried forever.
ALTER TABLE outbox ADD COLUMN failed_at DATETIME;
ALTER TABLE outbox ADD COLUMN error TEXT NOT NULL DEFAULT '';

-- The dispatcher's query: undelivered messages by platform and chat.
CREATE INDEX outbox_due ON outbox (platform, chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;

-- +goose Down
DROP INDEX outbox_due;
ALTER TABLE outbox DROP COLUMN error;
ALTER TABLE outbox DROP COLUMN failed_at;
ALTER TABLE sellers DROP COLUMN unreachable_at;
