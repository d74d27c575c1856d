-- +goose Up
-- The whole schema of the SQLite store after its migrations 00001 to 00018,
-- in one step: a PostgreSQL database starts empty, so it has no history to
-- replay. Comments say where it differs from SQLite and why.
--
-- Identifiers (platforms, user and chat ids, markets, items, stages, kinds,
-- dates as text) are COLLATE "C": compared and ordered byte by byte, as
-- SQLite does, whatever the database's locale, so that lists come in the
-- same order from either store and a place in one (DatedItems) means the
-- same.

-- Sellers are keyed by platform and the platform's user id.
CREATE TABLE sellers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform   text COLLATE "C" NOT NULL,
    user_id    text COLLATE "C" NOT NULL,
    chat_id    text COLLATE "C" NOT NULL DEFAULT '',
    lang       text COLLATE "C" NOT NULL DEFAULT 'en',
    lang_set   boolean          NOT NULL DEFAULT false,
    market     text COLLATE "C" NOT NULL DEFAULT '',
    created_at timestamptz      NOT NULL,
    -- A seller who blocked the bot (or whose chat is gone) is not sent to
    -- until they write again.
    unreachable_at timestamptz,
    -- Reminders: the seller's time zone and the kinds of reminder they
    -- turned off (bit flags: 1 nudges, 2 rules, 4 certificates).
    tz            text    NOT NULL DEFAULT '',
    tz_set        boolean NOT NULL DEFAULT false,
    reminders_off integer NOT NULL DEFAULT 0,
    UNIQUE (platform, user_id)
);

-- One row per seller and market; state is flows.State as JSON. The row
-- carries the projection's head (stage, updated_at, the open question,
-- the question whose answer stopped onboarding) and the projection's rows
-- as written (projection, empty until they are), so a save compares with
-- them and writes only what changed without reading the rows back.
CREATE TABLE onboardings (
    seller_id     bigint           NOT NULL REFERENCES sellers (id),
    market        text COLLATE "C" NOT NULL,
    rules_version text COLLATE "C" NOT NULL,
    stage         text COLLATE "C" NOT NULL,
    state         text             NOT NULL,
    started_at    timestamptz      NOT NULL,
    updated_at    timestamptz      NOT NULL,
    -- A seller who starts a market is subscribed to its announcements
    -- until they mute it.
    muted         boolean          NOT NULL DEFAULT false,
    question      text COLLATE "C" NOT NULL DEFAULT '',
    stop_question text COLLATE "C" NOT NULL DEFAULT '',
    projection    text             NOT NULL DEFAULT '',
    PRIMARY KEY (seller_id, market)
);
-- The onboardings not projected yet (none in a database that starts here,
-- but Behind asks), by market.
CREATE INDEX onboardings_unprojected ON onboardings (market) WHERE projection = '';
-- The funnel counts onboardings by market and stage, of a range of start
-- dates, of one platform's sellers, and the stops by question.
CREATE INDEX onboardings_funnel ON onboardings (market, stage, started_at, seller_id, stop_question);
-- Stuck sellers: the onboardings idle the longest.
CREATE INDEX onboardings_idle ON onboardings (updated_at, stage, market, seller_id, question);
-- The onboardings with a question open, by last activity, for the stall
-- scan. Only those rows: a seller at the checklist is never nudged.
CREATE INDEX onboardings_stalled ON onboardings (updated_at, seller_id, market) WHERE question <> '';

-- Everything a seller answered, undid or marked, never rewritten.
CREATE TABLE answer_history (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id bigint           NOT NULL REFERENCES sellers (id),
    market    text COLLATE "C" NOT NULL,
    action    text             NOT NULL,
    question  text COLLATE "C" NOT NULL DEFAULT '',
    value     text             NOT NULL DEFAULT '',
    at        timestamptz      NOT NULL
);
CREATE INDEX answer_history_seller ON answer_history (seller_id, market, id);

-- The history is append-only: SQLite's RAISE(ABORT) triggers become one
-- PL/pgSQL function, for rows changed or deleted and for TRUNCATE (which
-- row triggers do not see).
-- +goose StatementBegin
CREATE FUNCTION answer_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'answer_history is append-only' USING ERRCODE = 'restrict_violation';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER answer_history_no_change BEFORE UPDATE OR DELETE ON answer_history
    FOR EACH ROW EXECUTE FUNCTION answer_history_append_only();
CREATE TRIGGER answer_history_no_truncate BEFORE TRUNCATE ON answer_history
    FOR EACH STATEMENT EXECUTE FUNCTION answer_history_append_only();

-- Inbound deliveries already handled (Telegram update_id, Slack event_id).
CREATE TABLE inbound (
    platform   text COLLATE "C" NOT NULL,
    update_id  text COLLATE "C" NOT NULL,
    handled_at timestamptz      NOT NULL,
    PRIMARY KEY (platform, update_id)
);

-- Announcements from admins, and who they went to. (SQLite's markets
-- column, a comma-joined list from before announcement_markets and empty
-- since, is not carried over.)
CREATE TABLE announcements (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    category     text COLLATE "C" NOT NULL DEFAULT '',
    stage        text COLLATE "C" NOT NULL DEFAULT '',  -- only sellers at this stage
    open_item    text             NOT NULL DEFAULT '',  -- only sellers with this checklist item not done
    text_zh      text             NOT NULL DEFAULT '',
    text_en      text             NOT NULL DEFAULT '',
    created_by   text             NOT NULL,             -- "telegram:123", "slack:U1" or "shell"
    admin_seller bigint           REFERENCES sellers (id),
    recipients   integer          NOT NULL DEFAULT 0,
    created_at   timestamptz      NOT NULL,
    finished_at  timestamptz
);

-- An announcement's markets, one row each, in the order the admin gave them.
CREATE TABLE announcement_markets (
    announcement_id bigint           NOT NULL REFERENCES announcements (id),
    position        integer          NOT NULL,
    market          text COLLATE "C" NOT NULL,
    PRIMARY KEY (announcement_id, position)
);
CREATE INDEX announcement_markets_market ON announcement_markets (market);

-- Messages to send, written in the transaction that produced them.
CREATE TABLE outbox (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    platform  text COLLATE "C" NOT NULL,
    chat_id   text COLLATE "C" NOT NULL,
    seller_id bigint           REFERENCES sellers (id),
    -- The store's queries by chat list every kind (allKinds), so that they
    -- use outbox_due_kind: a kind it does not know would never be sent.
    kind       text COLLATE "C" NOT NULL CHECK (kind IN ('reply', 'announcement')),
    payload    text             NOT NULL,
    created_at timestamptz      NOT NULL,
    sent_at         timestamptz,
    -- Messages that can never be delivered are set aside with the reason.
    failed_at       timestamptz,
    error           text   NOT NULL DEFAULT '',
    announcement_id bigint REFERENCES announcements (id),
    -- The platform's id of the message once sent, so it can be edited.
    ref text NOT NULL DEFAULT '',
    -- The announcement whose progress this message reports.
    status_of bigint REFERENCES announcements (id)
);
-- One outbox row per announcement and seller: an announcement cannot reach
-- a seller twice. It also serves the lookups by announcement (SQLite's
-- outbox_by_announcement, on its first column, is not needed here).
CREATE UNIQUE INDEX outbox_announcement_seller ON outbox (announcement_id, seller_id) WHERE announcement_id IS NOT NULL;
-- The dispatcher's queries and the depth gauge: undelivered messages.
CREATE INDEX outbox_due_kind ON outbox (platform, kind, chat_id, id) WHERE sent_at IS NULL AND failed_at IS NULL;
-- An announcement's progress message is looked up by the announcement.
CREATE INDEX outbox_status_of ON outbox (status_of) WHERE status_of IS NOT NULL;
-- One seller's messages, for the seller page.
CREATE INDEX outbox_seller ON outbox (seller_id, id);

-- The bytes of a file a queued message carries (an export), beside the
-- message rather than in its payload. They go when their message does.
CREATE TABLE outbox_files (
    outbox_id bigint PRIMARY KEY REFERENCES outbox (id) ON DELETE CASCADE,
    data      bytea  NOT NULL
);

-- An admin's announcement being written in chat.
CREATE TABLE admin_drafts (
    seller_id  bigint      PRIMARY KEY REFERENCES sellers (id),
    draft      text        NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Every version of every market's rules the bot has run.
CREATE TABLE rule_sets (
    market    text COLLATE "C" NOT NULL,
    version   text COLLATE "C" NOT NULL,
    rules     text             NOT NULL,  -- the flows.Market as JSON
    loaded_at timestamptz      NOT NULL,
    PRIMARY KEY (market, version)
);

-- The categories a seller picked, one row each, keyed by market first:
-- reports ask per market, and the writer always knows the market too.
CREATE TABLE progress_categories (
    market    text COLLATE "C" NOT NULL,
    seller_id bigint           NOT NULL,
    position  integer          NOT NULL,
    category  text COLLATE "C" NOT NULL,
    PRIMARY KEY (market, seller_id, position)
);

-- Each checklist item that applies to a seller, as they stand with it.
CREATE TABLE progress_items (
    market      text COLLATE "C" NOT NULL,
    seller_id   bigint           NOT NULL,
    position    integer          NOT NULL,  -- rule-file order
    item        text COLLATE "C" NOT NULL,
    status      text COLLATE "C" NOT NULL CHECK (status IN ('todo', 'done', 'na')),
    cert_number text             NOT NULL DEFAULT '',
    expiry      text COLLATE "C" NOT NULL DEFAULT '',  -- YYYY-MM-DD
    PRIMARY KEY (market, seller_id, position)
);
-- Certificates by expiry date: only the rows that have one.
CREATE INDEX progress_items_expiry ON progress_items (expiry) WHERE expiry <> '';
-- The checklist items page counts sellers by market, item and status.
CREATE INDEX progress_items_status ON progress_items (market, item, status);

-- One row that /readyz and Open rewrite: a write that fails (a read-only
-- database or role) shows the store cannot take messages.
CREATE TABLE heartbeat (
    id integer     PRIMARY KEY CHECK (id = 1),
    at timestamptz NOT NULL
);

-- The files sellers attach to checklist items as evidence: the platform's
-- reference to each, not a copy. The same file attached to the same item
-- again is recorded once.
CREATE TABLE item_files (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    seller_id bigint           NOT NULL REFERENCES sellers (id),
    market    text COLLATE "C" NOT NULL,
    item      text COLLATE "C" NOT NULL,
    file_ref  text             NOT NULL,
    unique_id text COLLATE "C" NOT NULL,  -- Telegram file_unique_id, Slack file id
    name      text             NOT NULL DEFAULT '',
    mime      text             NOT NULL DEFAULT '',
    size      bigint           NOT NULL DEFAULT 0,
    photo     boolean          NOT NULL DEFAULT false,
    link      text             NOT NULL DEFAULT '',
    added_at  timestamptz      NOT NULL,
    UNIQUE (seller_id, market, item, unique_id)
);

-- One-time login links to the admins' pages: the hash of the token only,
-- so a copy of the database lets nobody in.
CREATE TABLE admin_logins (
    hash       text COLLATE "C" PRIMARY KEY,
    admin      text             NOT NULL,  -- "platform:user id"
    created_at timestamptz      NOT NULL,
    expires_at timestamptz      NOT NULL,
    used_at    timestamptz
);

-- Signed-in admins, by the hash of their cookie's token.
CREATE TABLE admin_sessions (
    hash       text COLLATE "C" PRIMARY KEY,
    admin      text             NOT NULL,
    csrf       text             NOT NULL,
    lang       text COLLATE "C" NOT NULL,
    created_at timestamptz      NOT NULL,
    expires_at timestamptz      NOT NULL
);

-- Nudges admins sent stuck sellers: one per onboarding and last activity,
-- so a second click (or a second admin) sends nothing more.
CREATE TABLE nudges (
    seller_id bigint           NOT NULL REFERENCES sellers (id),
    market    text COLLATE "C" NOT NULL,
    since     timestamptz      NOT NULL,  -- the onboarding's updated_at when nudged
    by        text             NOT NULL,
    at        timestamptz      NOT NULL,
    PRIMARY KEY (seller_id, market, since)
);

-- One row per reminder planned, keyed as it is sent at most once. Pending
-- while finished_at is NULL; then outcome says what became of it, and the
-- row stays so that the same key is never planned again.
CREATE TABLE reminders (
    seller_id bigint           NOT NULL,
    market    text COLLATE "C" NOT NULL,
    item      text COLLATE "C" NOT NULL,  -- '' for a stalled onboarding
    kind      text COLLATE "C" NOT NULL,
    target    text COLLATE "C" NOT NULL,  -- the date (YYYY-MM-DD) or the last activity it is about
    due_at    timestamptz      NOT NULL,
    finished_at timestamptz,
    outcome text NOT NULL DEFAULT '' CHECK (outcome IN ('', 'sent', 'skipped', 'cancelled')),
    PRIMARY KEY (seller_id, market, item, kind, target),
    -- A reminder is finished exactly when it has an outcome.
    CHECK ((finished_at IS NULL) = (outcome = ''))
);
-- The pending reminders by when they are due: the next one, and those due.
CREATE INDEX reminders_due ON reminders (due_at) WHERE finished_at IS NULL;

-- How far the scheduled work has come.
CREATE TABLE reminder_marks (
    name  text COLLATE "C" PRIMARY KEY,
    value text             NOT NULL
);

-- +goose Down
DROP TABLE reminder_marks;
DROP TABLE reminders;
DROP TABLE nudges;
DROP TABLE admin_sessions;
DROP TABLE admin_logins;
DROP TABLE item_files;
DROP TABLE heartbeat;
DROP TABLE progress_items;
DROP TABLE progress_categories;
DROP TABLE rule_sets;
DROP TABLE admin_drafts;
DROP TABLE outbox_files;
DROP TABLE outbox;
DROP TABLE announcement_markets;
DROP TABLE announcements;
DROP TABLE inbound;
DROP TABLE answer_history;
DROP FUNCTION answer_history_append_only();
DROP TABLE onboardings;
DROP TABLE sellers;
