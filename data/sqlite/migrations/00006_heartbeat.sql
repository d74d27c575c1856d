-- +goose Up
-- One row that /readyz rewrites through the writer: a write that fails
-- (a full disk, a read-only file) shows the store cannot take messages.
CREATE TABLE heartbeat (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    at DATETIME NOT NULL
);

-- +goose Down
DROP TABLE heartbeat;
