package platform_test

import (
	"errors"
	"slices"
	"strconv"
	"testing"

	"github.com/onboardbot/onboardbot/adapters/platform"
)

// A split reply whose third part fails is resumed at the third part: the
// platform never gets the first two twice.
func TestPartsResumeWhereTheyStopped(t *testing.T) {
	var p platform.Parts
	var got []int
	fail := 2
	send := func(i int) (string, error) {
		if i == fail {
			fail = -1
			return "", errors.New("boom")
		}
		got = append(got, i)
		return strconv.Itoa(i), nil
	}
	if _, err := p.Send(7, 4, send); err == nil {
		t.Fatal("the failure was not returned")
	}
	ref, err := p.Send(7, 4, send)
	if err != nil || ref != "3" {
		t.Fatalf("retry: ref %q, err %v", ref, err)
	}
	if want := []int{0, 1, 2, 3}; !slices.Equal(got, want) {
		t.Fatalf("parts sent %v, want %v", got, want)
	}
	got = nil // delivered: the same id starts from the first part again
	if _, err := p.Send(7, 2, send); err != nil || !slices.Equal(got, []int{0, 1}) {
		t.Fatalf("after delivery: sent %v, err %v", got, err)
	}
}
