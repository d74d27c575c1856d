package bot

import (
	"time"

	"github.com/onboardbot/onboardbot/flows"
)

// Projection is a seller's progress in one market as rows SQL can query
// (reports, reminders, the dashboard), written in the same transaction as
// the state it is worked out from, so the two never disagree. The state
// (flows.State as JSON) stays the truth; the projection is derived from it
// and the rules.
type Projection struct {
	SellerID int64
	Market   string
	Stage    flows.Stage
	// Categories are the product categories picked, in the order given.
	Categories []string
	// StopQuestion is the question whose answer ended onboarding; empty
	// unless Stage is flows.StageIneligible.
	StopQuestion string
	// Question is the question to answer now, empty when none is open.
	Question     string
	LastActivity time.Time
	// Items are the checklist items that apply, in rule-file order.
	Items []ItemRow
}

// SellerProjection is a seller with the projection of their onboarding
// in one market.
type SellerProjection struct {
	Seller Seller
	Projection
}

// ItemRow is one applicable checklist item as a seller stands with it.
type ItemRow struct {
	Item   string
	Status flows.ItemStatus // todo, done or na
	Number string           // certificate or registration number, if given
	Expiry string           // YYYY-MM-DD, if given
}

// Project works out o's projection under market m at now.
func Project(m *flows.Market, o Onboarding, now time.Time) Projection {
	step := flows.Current(m, o.State, now)
	p := Projection{SellerID: o.SellerID, Market: o.Market, Stage: step.Stage, Categories: o.State.Categories(), LastActivity: o.UpdatedAt}
	if step.Question != nil {
		p.Question = step.Question.ID
	}
	if step.Verdict != nil {
		p.StopQuestion = step.Verdict.Question.ID
	}
	for _, e := range flows.Checklist(m, o.State, now) {
		status := e.State.Status
		if status == "" || e.Expired {
			status = flows.ItemTodo
		}
		p.Items = append(p.Items, ItemRow{Item: e.Item.ID, Status: status, Number: e.State.Number, Expiry: e.State.Expiry})
	}
	return p
}
