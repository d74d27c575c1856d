package flows_test

import (
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/flows"
)

// TestMarkExpiryAsSellersWriteIt marks an item done, each row from the
// same state (nothing recorded yet), with the expiry written the ways
// sellers write it: the date is the expiry, the words around it that say
// so are neither, and the rest, as typed, is the number.
func TestMarkExpiryAsSellersWriteIt(t *testing.T) {
	de := market(t, "amazon-de")
	base := play(t, de, "cn-company", "2028-12-31", "ready", "germany", "yes", "electronics")
	ambiguousEN := `"06.07.2027" could be 6 July or 7 June: please write it year first, for example 2027-07-06.`
	ambiguousZH := "「06.07.2027」可能是 6 月 7 日，也可能是 7 月 6 日：请写成 年-月-日，例如 2027-07-06。"
	tests := []struct {
		name     string
		item     string
		evidence string // split into words, as the bot splits a message
		number   string
		expiry   string
		rejectEN string // in the English message; nothing is recorded
		rejectZH string
	}{
		// Punctuation after the date.
		{name: "a Chinese full stop after the date", item: "weee", evidence: "UKCA-1 2027-6-30。", number: "UKCA-1", expiry: "2027-06-30"},
		{name: "a full-width comma after the date", item: "weee", evidence: "ID-1 2027-06-30，", number: "ID-1", expiry: "2027-06-30"},
		{name: "an ASCII comma after the date", item: "weee", evidence: "ID-1 2027-06-30,", number: "ID-1", expiry: "2027-06-30"},
		{name: "a full stop after the date", item: "weee", evidence: "ID-1 2027-06-30.", number: "ID-1", expiry: "2027-06-30"},
		{name: "an enumeration comma after the date", item: "weee", evidence: "ID-1 2027-06-30、", number: "ID-1", expiry: "2027-06-30"},
		{name: "a semicolon after the date", item: "weee", evidence: "ID-1 2027-06-30；", number: "ID-1", expiry: "2027-06-30"},
		{name: "a full stop as a word of its own", item: "weee", evidence: "ID-1 2027-06-30 。", number: "ID-1", expiry: "2027-06-30"},
		{name: "a comma between number and date", item: "weee", evidence: "ID-1， 2027-06-30", number: "ID-1", expiry: "2027-06-30"},
		{name: "a comma between, no space", item: "weee", evidence: "ID-1，2027-06-30", number: "ID-1", expiry: "2027-06-30"},
		{name: "date first, then a comma", item: "weee", evidence: "2027-06-30，ID-1", number: "ID-1", expiry: "2027-06-30"},
		// Words before the date.
		{name: "youxiaoqi attached", item: "weee", evidence: "BANK 有效期2027-06-30", number: "BANK", expiry: "2027-06-30"},
		{name: "daoqi apart", item: "weee", evidence: "SLS 到期 2027-06-30", number: "SLS", expiry: "2027-06-30"},
		{name: "youxiaoqizhi with a Chinese date", item: "weee", evidence: "SLS 有效期至 2027年6月30日", number: "SLS", expiry: "2027-06-30"},
		{name: "daoqiri with a colon", item: "weee", evidence: "SLS 到期日：2027-06-30", number: "SLS", expiry: "2027-06-30"},
		{name: "youxiaoqi with a colon apart", item: "weee", evidence: "SLS 有效期: 2027-06-30", number: "SLS", expiry: "2027-06-30"},
		{name: "youxiaoqi, a colon, zhi", item: "weee", evidence: "SLS 有效期：至 2027-06-30", number: "SLS", expiry: "2027-06-30"},
		{name: "English expiry word", item: "weee", evidence: "SLS exp: Jun 30, 2027", number: "SLS", expiry: "2027-06-30"},
		{name: "zhi", item: "weee", evidence: "SLS 至2027/6/30", number: "SLS", expiry: "2027-06-30"},
		{name: "jiezhi", item: "weee", evidence: "截止 2027-06-30 SLS-9", number: "SLS-9", expiry: "2027-06-30"},
		{name: "jiezhi, the other one", item: "weee", evidence: "SLS 截至2027年6月30日", number: "SLS", expiry: "2027-06-30"},
		{name: "youxiaoqi glued to the number", item: "weee", evidence: "BANK有效期2027-06-30", number: "BANK", expiry: "2027-06-30"},
		// Words after the date.
		{name: "qian", item: "weee", evidence: "2027年6月30日前", expiry: "2027-06-30"},
		{name: "zhi after", item: "weee", evidence: "REF 2027年6月30日止", number: "REF", expiry: "2027-06-30"},
		{name: "weizhi apart, full stop", item: "weee", evidence: "REF 2027-06-30 为止。", number: "REF", expiry: "2027-06-30"},
		{name: "both sides", item: "weee", evidence: "REF 有效期至2027年6月30日止", number: "REF", expiry: "2027-06-30"},
		// English month names.
		{name: "month first", item: "weee", evidence: "June 30 2027", expiry: "2027-06-30"},
		{name: "day first", item: "weee", evidence: "30 June 2027", expiry: "2027-06-30"},
		{name: "short month and a comma", item: "weee", evidence: "Jun 30, 2027", expiry: "2027-06-30"},
		{name: "with a number", item: "weee", evidence: "DE 1 30 Jun 2027", number: "DE 1", expiry: "2027-06-30"},
		{name: "number after", item: "weee", evidence: "Jun 30, 2027 DE 1", number: "DE 1", expiry: "2027-06-30"},
		// Day or month first.
		{name: "day first with dots", item: "weee", evidence: "DE 12345678 30.06.2027", number: "DE 12345678", expiry: "2027-06-30"},
		{name: "month first with slashes", item: "weee", evidence: "DE 12345678 6/30/2027", number: "DE 12345678", expiry: "2027-06-30"},
		{name: "day or month first", item: "weee", evidence: "DE 1 06.07.2027", rejectEN: ambiguousEN, rejectZH: ambiguousZH},
		{name: "day or month first after a word", item: "weee", evidence: "DE 1 有效期06.07.2027", rejectEN: ambiguousEN, rejectZH: ambiguousZH},
		// Full width, as typed.
		{name: "full-width number and date", item: "weee", evidence: "ＩＤ－１ ２０２７－０６－３０。", number: "ＩＤ－１", expiry: "2027-06-30"},
		{name: "a numbered item, a pattern", item: "de-vat-id", evidence: "DE 123 456 789，有效期至2030-01-01", number: "DE123456789", expiry: "2030-01-01"},
		// Not dates: kept in the number as typed.
		{name: "a number with a date in it", item: "weee", evidence: "UKCA-2027-06-30", number: "UKCA-2027-06-30"},
		{name: "digits with spaces", item: "weee", evidence: "DE 30 06 2027", number: "DE 30 06 2027"},
		{name: "a month and a year", item: "weee", evidence: "MAY 2027", number: "MAY 2027"},
		{name: "a year after a word", item: "weee", evidence: "REF 12 2027", number: "REF 12 2027"},
		{name: "an expiry word without a date", item: "weee", evidence: "BANK 有效期", number: "BANK 有效期"},
		{name: "zhi without a date", item: "weee", evidence: "A 至 B", number: "A 至 B"},
		// A validity period, as a Chinese certificate prints it: the last day is the expiry.
		{name: "a period in one word", item: "weee", evidence: "REF-1 2023-06-30至2028-06-29", number: "REF-1", expiry: "2028-06-29"},
		{name: "a period after youxiaoqi", item: "weee", evidence: "REF-1 有效期：2023-06-30至2028-06-29", number: "REF-1", expiry: "2028-06-29"},
		{name: "a period with spaces", item: "weee", evidence: "REF-1 2023年6月30日 至 2028年6月29日", number: "REF-1", expiry: "2028-06-29"},
		{name: "a period with hao", item: "weee", evidence: "REF-1 2023年6月30号至2028年6月29号", number: "REF-1", expiry: "2028-06-29"},
		{name: "a period with a dash", item: "weee", evidence: "REF-1 2023.06.30-2028.06.29", number: "REF-1", expiry: "2028-06-29"},
		{name: "a period in full width", item: "weee", evidence: "REF-1 ２０２３－０６－３０至２０２８－０６－２９", number: "REF-1", expiry: "2028-06-29"},
		{name: "a period backwards is not one", item: "weee", evidence: "REF-1 2028-06-29至2023-06-30", number: "REF-1 2028-06-29至2023-06-30"},
		{name: "dots in a number", item: "weee", evidence: "No.30.06.2027", number: "No.30.06.2027"},
		{name: "commas in a number", item: "weee", evidence: "DE,123，456", number: "DE,123，456"},
		{name: "a number ending in punctuation", item: "weee", evidence: "REF-1.", number: "REF-1."},
		// Shaped like a date, and not one.
		{name: "no such day after an expiry word", item: "weee", evidence: "REF 有效期2027-02-30", rejectEN: "not a date", rejectZH: "不是一个有效的日期"},
		{name: "no 31 February day first", item: "weee", evidence: "REF 31.02.2027", rejectEN: "not a date", rejectZH: "不是一个有效的日期"},
		{name: "two dates, one with words", item: "weee", evidence: "REF 2027-06-30 到期 2027-07-30", rejectEN: "one expiry date", rejectZH: "只写一个有效期"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			next, rej := flows.Mark(de, base, tt.item, flows.ItemDone, strings.Fields(tt.evidence), today)
			if tt.rejectEN != "" {
				if rej == nil {
					t.Fatalf("%q accepted: %+v", tt.evidence, next.Items[tt.item])
				}
				if !strings.Contains(rej.Message.EN, tt.rejectEN) || !strings.Contains(rej.Message.ZH, tt.rejectZH) {
					t.Errorf("%q refused with %q / %q, want %q / %q", tt.evidence, rej.Message.EN, rej.Message.ZH, tt.rejectEN, tt.rejectZH)
				}
				if _, ok := next.Items[tt.item]; ok {
					t.Error("a refused mark recorded something")
				}
				return
			}
			if rej != nil {
				t.Fatalf("%q refused: %s / %s", tt.evidence, rej.Message.EN, rej.Message.ZH)
			}
			st := next.Items[tt.item]
			if st.Number != tt.number || st.Expiry != tt.expiry {
				t.Errorf("%q recorded number %q, expiry %q; want %q, %q", tt.evidence, st.Number, st.Expiry, tt.number, tt.expiry)
			}
		})
	}
}
