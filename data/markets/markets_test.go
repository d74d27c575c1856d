package markets_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/onboardbot/onboardbot/data/datatest"
	"github.com/onboardbot/onboardbot/flows"
)

var today = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

func catalog(t *testing.T) *flows.Catalog {
	t.Helper()
	c := datatest.Rules(t)
	return c
}

// TestEveryRuleItemIsSourcedDatedAndBilingual checks every market's texts
// and rule items directly, independently of the loader's validator.
func TestEveryRuleItemIsSourcedDatedAndBilingual(t *testing.T) {
	c := catalog(t)
	if len(c.Markets()) < 8 {
		t.Errorf("%d markets, want at least 8", len(c.Markets()))
	}
	for _, m := range c.Markets() {
		t.Run(m.ID, func(t *testing.T) {
			bilingual := func(where string, txt flows.Text) {
				if strings.TrimSpace(txt.ZH) == "" || strings.TrimSpace(txt.EN) == "" {
					t.Errorf("%s: missing a language: %+v", where, txt)
				}
			}
			sourced := func(where string, s flows.Sourced) {
				if strings.TrimSpace(s.Source) == "" {
					t.Errorf("%s: no source", where)
				}
				_, e1 := flows.ParseDate(s.Effective)
				_, e2 := flows.ParseDate(s.Checked)
				if e1 != nil && e2 != nil {
					t.Errorf("%s: no valid effective or checked date", where)
				}
			}
			bilingual("name", m.Name)
			bilingual("region", m.Region)
			bilingual("summary", m.Summary)
			for _, q := range m.Questions {
				bilingual(q.ID, q.Text)
				sourced(q.ID, q.Sourced)
				for _, ch := range q.Choices {
					bilingual(q.ID+"/"+ch.ID, ch.Label)
					if ch.Outcome == flows.OutcomeStop {
						bilingual(q.ID+"/"+ch.ID+" reason", ch.Reason)
						bilingual(q.ID+"/"+ch.ID+" remedy", ch.Remedy)
					}
				}
			}
			cats := map[string]bool{}
			for _, cat := range m.Categories {
				bilingual(cat.ID, cat.Name)
				cats[cat.ID] = true
			}
			for _, want := range []string{"beauty", "food", "toys", "electronics", "apparel"} {
				if !cats[want] {
					t.Errorf("no %s category", want)
				}
			}
			for _, it := range m.Items {
				bilingual(it.ID+" title", it.Title)
				bilingual(it.ID+" detail", it.Detail)
				sourced(it.ID, it.Sourced)
			}
		})
	}
}

// TestEveryPathPlaysThroughTheEngine answers every path of every market
// through the flow engine, as a seller would, and checks that it ends in a
// verdict with a way forward or in a checklist: no dead end.
func TestEveryPathPlaysThroughTheEngine(t *testing.T) {
	for _, m := range catalog(t).Markets() {
		t.Run(m.ID, func(t *testing.T) {
			paths := 0
			flows.Walk(m, func(p flows.Path) bool {
				paths++
				var s flows.State
				for _, step := range p.Steps {
					q := flows.Current(m, s, today).Question
					if q == nil || q.ID != step.Question {
						t.Fatalf("path %v: expected question %s, engine is at %v", p.Steps, step.Question, q)
					}
					next, rej := flows.Apply(m, s, datatest.Input(t, m, s, q, step, today), today)
					if rej != nil {
						t.Fatalf("path %v: %s rejected: %s", p.Steps, q.ID, rej.Message.EN)
					}
					s = next
				}
				step := flows.Current(m, s, today)
				switch {
				case p.Verdict != nil:
					if step.Verdict == nil || step.Verdict.Question.ID != p.Verdict.Question || step.Verdict.Remedy.EN == "" {
						t.Errorf("path %v: want a verdict with a remedy, got %+v", p.Steps, step)
					}
				case step.Stage != flows.StageCategories:
					t.Errorf("path %v: ended at %s, want the category question", p.Steps, step.Stage)
				default:
					// Every category can be picked, and gives a checklist.
					for i := range m.Categories {
						done, rej := flows.Apply(m, s, strconv.Itoa(i+1), today)
						if rej != nil || len(flows.Checklist(m, done, today)) == 0 {
							t.Errorf("path %v, category %d: rej %v, empty checklist", p.Steps, i+1, rej)
						}
					}
				}
				return true
			})
			if paths == 0 {
				t.Error("no paths")
			}
		})
	}
}
