-- +goose Up
-- Who acted, in a company of several people: the member's name when the
-- entry was written ('' for what the bot did, and for entries from before).
ALTER TABLE answer_history ADD COLUMN by_member TEXT NOT NULL DEFAULT '';

-- +goose Down
ALTER TABLE answer_history DROP COLUMN by_member;
