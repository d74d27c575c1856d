-- +goose Up
-- The instances of a fleet sharing this database: each serve registers
-- itself and rewrites seen_at every second; one not seen for 5 seconds is
-- gone, and what it held (chats it was sending to) passes to the others.
CREATE TABLE instances (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    started_at timestamptz NOT NULL DEFAULT now(),
    seen_at timestamptz NOT NULL DEFAULT now(),
    host text NOT NULL DEFAULT ''
);

-- Which instance is sending to a chat: one at a time, so a chat's messages
-- go out once and in order across the fleet.
CREATE TABLE chat_leases (
    platform text NOT NULL,
    chat_id text NOT NULL,
    instance bigint NOT NULL,
    PRIMARY KEY (platform, chat_id)
);

-- +goose Down
DROP TABLE chat_leases;
DROP TABLE instances;
