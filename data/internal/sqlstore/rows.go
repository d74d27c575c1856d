package sqlstore

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/onboardbot/onboardbot/bot"
	"github.com/onboardbot/onboardbot/flows"
)

// SellerRow is a row of sellers.
type SellerRow struct {
	ID          int64        `db:"id"`
	Platform    string       `db:"platform"`
	UserID      string       `db:"user_id"`
	ChatID      string       `db:"chat_id"`
	Lang        string       `db:"lang"`
	LangSet     bool         `db:"lang_set"`
	Market      string       `db:"market"`
	Unreachable sql.NullTime `db:"unreachable_at"`
	CreatedAt   time.Time    `db:"created_at"`
	TZ          string       `db:"tz"`
	TZSet       bool         `db:"tz_set"`
	Off         int          `db:"reminders_off"`
}

// SellerColumns are the columns of SellerRow, in the order Scan takes them.
const SellerColumns = `id, platform, user_id, chat_id, lang, lang_set, market, unreachable_at, created_at, tz, tz_set, reminders_off`

// sellerColumnsOfS is SellerColumns of sellers aliased s, for a query
// whose rows sqlx maps by name: SQLite leaves the name of a column
// without AS unspecified.
const sellerColumnsOfS = `s.id AS id, s.platform AS platform, s.user_id AS user_id, s.chat_id AS chat_id, s.lang AS lang,
	s.lang_set AS lang_set, s.market AS market, s.unreachable_at AS unreachable_at, s.created_at AS created_at,
	s.tz AS tz, s.tz_set AS tz_set, s.reminders_off AS reminders_off`

// Scan reads SellerColumns, then more (scanned by hand: every message
// loads its seller, and sqlx's mapping by reflection costs more than the
// query).
func (r *SellerRow) Scan(row interface{ Scan(...any) error }, more ...any) error {
	return row.Scan(append([]any{&r.ID, &r.Platform, &r.UserID, &r.ChatID, &r.Lang, &r.LangSet, &r.Market, &r.Unreachable, &r.CreatedAt,
		&r.TZ, &r.TZSet, &r.Off}, more...)...)
}

// Seller is the row as the bot's type.
func (r SellerRow) Seller() bot.Seller {
	return bot.Seller{ID: r.ID, Platform: r.Platform, UserID: r.UserID, ChatID: r.ChatID,
		Lang: flows.Lang(r.Lang), LangSet: r.LangSet, Market: r.Market, Unreachable: r.Unreachable.Valid, CreatedAt: r.CreatedAt,
		TZ: r.TZ, TZSet: r.TZSet, RemindersOff: bot.Topic(r.Off)}
}

// onboardingRow is a row of onboardings.
type onboardingRow struct {
	SellerID     int64     `db:"seller_id"`
	Market       string    `db:"market"`
	RulesVersion string    `db:"rules_version"`
	Stage        string    `db:"stage"`
	State        string    `db:"state"`
	StartedAt    time.Time `db:"started_at"`
	UpdatedAt    time.Time `db:"updated_at"`
	Muted        bool      `db:"muted"`
	Projection   string    `db:"projection"`
}

// onboardingColumns are the columns of onboardingRow.
const onboardingColumns = `seller_id, market, rules_version, stage, state, started_at, updated_at, muted, projection`

func (r onboardingRow) onboarding() (bot.Onboarding, error) {
	o := bot.Onboarding{SellerID: r.SellerID, Market: r.Market, RulesVersion: r.RulesVersion,
		Stage: flows.Stage(r.Stage), Muted: r.Muted, StartedAt: r.StartedAt, UpdatedAt: r.UpdatedAt}
	if err := json.Unmarshal([]byte(r.State), &o.State); err != nil {
		return o, fmt.Errorf("decode state of seller %d in %s: %w", r.SellerID, r.Market, err)
	}
	return o, nil
}

// outboxRow is a row of the outbox, as far as a bot.Reply goes.
type outboxRow struct {
	ID           int64         `db:"id"`
	Platform     string        `db:"platform"`
	ChatID       string        `db:"chat_id"`
	SellerID     sql.NullInt64 `db:"seller_id"`
	Kind         string        `db:"kind"`
	Payload      string        `db:"payload"`
	Announcement sql.NullInt64 `db:"announcement_id"`
	StatusOf     sql.NullInt64 `db:"status_of"`
	Ref          string        `db:"ref"`
}

// outboxColumns are the columns of outboxRow.
const outboxColumns = `id, platform, chat_id, seller_id, kind, payload, announcement_id, status_of, ref`

func (r outboxRow) reply() (bot.Reply, error) {
	var rep bot.Reply
	if err := json.Unmarshal([]byte(r.Payload), &rep); err != nil {
		return rep, fmt.Errorf("outbox %d: %w", r.ID, err)
	}
	rep.ID, rep.Platform, rep.ChatID, rep.SellerID, rep.Kind = r.ID, r.Platform, r.ChatID, r.SellerID.Int64, bot.Kind(r.Kind)
	rep.Announcement, rep.StatusOf, rep.Ref = r.Announcement.Int64, r.StatusOf.Int64, r.Ref
	return rep, nil
}

// announcementRow is a row of announcements.
type announcementRow struct {
	ID          int64         `db:"id"`
	Category    string        `db:"category"`
	Stage       string        `db:"stage"`
	OpenItem    string        `db:"open_item"`
	TextZH      string        `db:"text_zh"`
	TextEN      string        `db:"text_en"`
	CreatedBy   string        `db:"created_by"`
	AdminSeller sql.NullInt64 `db:"admin_seller"`
	Recipients  int           `db:"recipients"`
	CreatedAt   time.Time     `db:"created_at"`
	FinishedAt  sql.NullTime  `db:"finished_at"`
}

// announcementColumns are the columns of announcementRow.
const announcementColumns = `id, category, stage, open_item, text_zh, text_en, created_by, admin_seller, recipients, created_at, finished_at`

func (r announcementRow) announcement() bot.Announcement {
	return bot.Announcement{ID: r.ID, Category: r.Category, Stage: flows.Stage(r.Stage),
		OpenItem: r.OpenItem, Text: flows.Text{ZH: r.TextZH, EN: r.TextEN}, CreatedBy: r.CreatedBy, AdminSeller: r.AdminSeller.Int64,
		Recipients: r.Recipients, CreatedAt: r.CreatedAt, FinishedAt: r.FinishedAt.Time}
}
