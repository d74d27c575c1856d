package sqlstore

import (
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestNoRowsIsTheEmptyProjection(t *testing.T) {
	if got := encodeProjection(nil, nil); got != noRows {
		t.Fatalf("encodeProjection(nil, nil) = %q, noRows = %q", got, noRows)
	}
}

func TestProjectionRoundTrip(t *testing.T) {
	categories := []string{"food", "toys"}
	items := []itemRow{{Position: 0, Item: "license", Status: "done", Number: "A1", Expiry: "2030-01-02"}, {Position: 1, Item: "tax"}}
	gotC, gotI, ok := decodeProjection(encodeProjection(categories, items))
	if !ok || !slices.Equal(gotC, categories) || !slices.Equal(gotI, items) {
		t.Fatalf("decoded %v %v %v, want %v %v", gotC, gotI, ok, categories, items)
	}
	if _, _, ok := decodeProjection(""); ok {
		t.Error("an empty projection (never written) decoded")
	}
}

// The column lists name the rows' fields in their order: Scan takes
// SellerColumns by position, and the others are read by name.
func TestColumnsMatchRows(t *testing.T) {
	for _, c := range []struct {
		row     any
		columns string
	}{
		{SellerRow{}, SellerColumns},
		{onboardingRow{}, onboardingColumns},
		{outboxRow{}, outboxColumns},
		{announcementRow{}, announcementColumns},
	} {
		typ := reflect.TypeOf(c.row)
		var tags []string
		for i := range typ.NumField() {
			tags = append(tags, typ.Field(i).Tag.Get("db"))
		}
		if got := strings.Join(tags, ", "); got != c.columns {
			t.Errorf("%s: fields %s, columns %s", typ.Name(), got, c.columns)
		}
	}
	var want []string
	for _, c := range strings.Split(SellerColumns, ", ") {
		want = append(want, "s."+c+" AS "+c)
	}
	if got := strings.Join(strings.Fields(sellerColumnsOfS), " "); got != strings.Join(want, ", ") {
		t.Errorf("sellerColumnsOfS is %s, want %s", got, strings.Join(want, ", "))
	}
}
