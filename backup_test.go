package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/onboardbot/onboardbot/data/datatest"
)

// The operator's story: a backup of the database, a damaged database that
// onboardbot refuses to start on (saying how to restore it), the backup put
// back as the README says, and the seller continuing where the backup left
// them.
func TestBackupAndRestore(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "onboard.db")
	env := map[string]string{"ONBOARD_DB": db, "USER": "seller1"}
	if code, _, errOut := run(t, env, "/onboard tiktok-uk\n1\n0\n", "chat"); code != 0 {
		t.Fatalf("chat: exit %d: %s", code, errOut)
	}

	backup := filepath.Join(dir, "backup.db")
	code, out, errOut := run(t, env, "", "backup", "--to", backup)
	if code != 0 {
		t.Fatalf("backup: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"written to " + backup, "1 sellers", "1 onboardings", "quick_check ok", "to restore it: stop onboardbot"} {
		if !strings.Contains(out, want) {
			t.Errorf("backup printed no %q:\n%s", want, out)
		}
	}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--to", backup}, "already exists"},
		{nil, "--to FILE"},
		{[]string{"--to", filepath.Join(dir, "other.db"), "extra"}, "unexpected argument"},
	} {
		if code, _, errOut := run(t, env, "", append([]string{"backup"}, tt.args...)...); code != 1 || !strings.Contains(errOut, tt.want) {
			t.Errorf("backup %v: exit %d, %q; want 1 and %q", tt.args, code, errOut, tt.want)
		}
	}

	datatest.DamageTable(t, db, "sellers")
	code, _, errOut = run(t, env, "/status\n", "chat")
	if code != 1 || !strings.Contains(errOut, "damaged") || !strings.Contains(errOut, "onboardbot backup") || !strings.Contains(errOut, `"Backups" in the README`) {
		t.Fatalf("chat on a damaged database: exit %d: %s", code, errOut)
	}

	// Restore as the README says: the damaged file and its -wal and -shm
	// aside, the backup in its place.
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Rename(db+suffix, filepath.Join(dir, "damaged.db"+suffix)); err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
	}
	raw, err := os.ReadFile(backup)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(db, raw, 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, errOut = run(t, env, "", "chat")
	if code != 0 || !strings.Contains(out, "Welcome back") || !strings.Contains(out, "question 3") {
		t.Fatalf("chat on the restored database: exit %d, %s\n%s", code, errOut, out)
	}
}
