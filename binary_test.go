package main

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// buildBinary builds this program into a temporary directory and returns
// its path. Every test of the real binary (crash, fleet, faults, serve,
// chat, rules directory, the benchmarks) builds it the same way, so it is
// done here once.
func buildBinary(t testing.TB) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "onboardbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}
