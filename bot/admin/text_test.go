package admin_test

import (
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/bot/admin"
	"github.com/onboardbot/onboardbot/flows"
)

func TestParseAnnouncementText(t *testing.T) {
	tests := []struct {
		name, in string
		want     flows.Text
		problem  string
	}{
		{"one line, both languages", "zh: 英国站新规 en: New UK rule", flows.Text{ZH: "英国站新规", EN: "New UK rule"}, ""},
		{"English first", "en: New rule zh: 新规", flows.Text{ZH: "新规", EN: "New rule"}, ""},
		{"right after Chinese punctuation", "zh：新规：化妆品须有 SCPN。en: New rule: cosmetics need SCPN.", flows.Text{ZH: "新规：化妆品须有 SCPN。", EN: "New rule: cosmetics need SCPN."}, ""},
		{"lines of their own", "zh: 第一行\n第二行\nEN: line one\nline two", flows.Text{ZH: "第一行\n第二行", EN: "line one\nline two"}, ""},
		{"one language: everyone gets it", "zh: 只有中文", flows.Text{ZH: "只有中文"}, ""},
		{"no tag: as written", "Open: 9am to 5pm, Monday to Friday", flows.Text{ZH: "Open: 9am to 5pm, Monday to Friday", EN: "Open: 9am to 5pm, Monday to Friday"}, ""},
		{"a word ending in en is no tag", "Listen: when: then:", flows.Text{ZH: "Listen: when: then:", EN: "Listen: when: then:"}, ""},
		{"text before the tags goes to both", "【重要】 zh: 新规 en: New rule", flows.Text{ZH: "【重要】\n新规", EN: "【重要】\nNew rule"}, ""},
		{"empty", "  ", flows.Text{}, "empty"},
		{"tags only", "zh: en:", flows.Text{}, "empty"},
		{"too long", "zh: ok en: " + strings.Repeat("x", admin.MaxAnnouncementRunes+1), flows.Text{}, "too long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problem := admin.ParseAnnouncementText(tt.in)
			if tt.problem != "" {
				if !strings.Contains(problem.EN, tt.problem) {
					t.Errorf("problem %q, want %q", problem.EN, tt.problem)
				}
				return
			}
			if !problem.IsZero() || got != tt.want {
				t.Errorf("got %q, %q; want %q", got, problem.EN, tt.want)
			}
		})
	}
}
