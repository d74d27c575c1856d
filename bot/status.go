package bot

// What a seller has done so far: /status and /history, read from the
// store's read side.

import (
	"fmt"
	"strings"

	"github.com/onboardbot/onboardbot/flows"
)

func (cv *Conversation) status(args []string) error {
	all, err := cv.core.store.Onboardings(cv.ctx, cv.seller.ID)
	if err != nil {
		return fmt.Errorf("list onboardings: %w", err)
	}
	if len(all) == 0 {
		cv.sayf("你还没有开始任何市场的入驻。", "You have not started onboarding any market yet.")
		cv.marketList()
		return nil
	}
	lang := cv.lang()
	var b strings.Builder
	b.WriteString(flows.Text{ZH: "你的入驻进度：", EN: "Your markets:"}.In(lang))
	for _, o := range all {
		m, ok := cv.catalog.Market(o.Market)
		if !ok {
			fmt.Fprintf(&b, "\n  %s: %s", o.Market, flows.Text{ZH: "这个市场已下线", EN: "no longer offered"}.In(lang))
			continue
		}
		step := flows.Current(m, o.State, cv.now)
		marker := "  "
		if o.Market == cv.seller.Market {
			marker = "▶ "
		}
		fmt.Fprintf(&b, "\n%s%s (%s): %s", marker, m.Name.In(lang), m.ID, step.Stage.Name().In(lang))
		switch {
		case step.Question != nil:
			fmt.Fprint(&b, flows.Textf(flows.Text{ZH: "，第 %d 题", EN: ", question %d"}, step.Asked+1).In(lang))
		case step.Verdict == nil:
			done, na, total := counts(flows.Checklist(m, o.State, cv.now))
			fmt.Fprint(&b, flows.Textf(flows.Text{ZH: "，清单已完成 %d/%d 项", EN: ", %d of %d done"}, done, total).In(lang))
			if na > 0 {
				fmt.Fprint(&b, flows.Textf(flows.Text{ZH: "（%d 项不适用）", EN: " (%d not applicable)"}, na).In(lang))
			}
		}
	}
	cv.parts = append(cv.parts, b.String())
	cv.sayf("继续某个市场：/onboard <市场编号>；查看清单：/checklist", "Continue a market: /onboard <market id>; see the checklist: /checklist")
	return nil
}

func (cv *Conversation) historyCmd(args []string) error {
	m := cv.marketArg(args, "/history tiktok-uk")
	if m == nil {
		return nil
	}
	hs, err := cv.core.store.History(cv.ctx, cv.seller.ID, m.ID)
	if err != nil {
		return fmt.Errorf("load history: %w", err)
	}
	if len(hs) == 0 {
		cv.sayf("%s 还没有记录。", "Nothing recorded for %s yet.", m.Name)
		return nil
	}
	lang := cv.lang()
	var b strings.Builder
	b.WriteString(flows.Textf(flows.Text{ZH: "%s 的记录（UTC 时间）:", EN: "Your history for %s (UTC):"}, m.Name).In(lang))
	for _, h := range hs {
		fmt.Fprintf(&b, "\n%s  ", h.At.UTC().Format("2006-01-02 15:04"))
		switch h.Action {
		case ActionStart:
			b.WriteString(flows.Textf(flows.Text{ZH: "开始（规则版本 %s）", EN: "started (rules version %s)"}, h.Value).In(lang))
		case ActionRestart:
			b.WriteString(flows.Textf(flows.Text{ZH: "重新开始（规则版本 %s）", EN: "started over (rules version %s)"}, h.Value).In(lang))
		case ActionBack:
			b.WriteString(flows.Textf(flows.Text{ZH: "撤回了 %s 的回答", EN: "took back the answer to %s"}, h.Question).In(lang))
		case ActionAnswer:
			fmt.Fprintf(&b, "%s → %s", h.Question, answerLabel(m, h.Question, h.Value, lang))
		case ActionMark:
			fmt.Fprintf(&b, "%s: %s", h.Question, h.Value)
		case ActionRules:
			b.WriteString(flows.Textf(flows.Text{ZH: "规则更新到 %s 版", EN: "rules updated to version %s"}, h.Value).In(lang))
		}
	}
	cv.parts = append(cv.parts, b.String())
	return nil
}
