//go:build unix

package datatest

import (
	"os"
	"syscall"
	"testing"
)

// Mkfifo makes a named pipe at name, and when the test ends opens it for
// writing, which lets go a reader still waiting on it (a test that fails
// because something opened the pipe to read it).
func Mkfifo(tb testing.TB, name string) {
	tb.Helper()
	if err := syscall.Mkfifo(name, 0o644); err != nil {
		tb.Fatalf("make a named pipe: %v", err)
	}
	tb.Cleanup(func() {
		if f, err := os.OpenFile(name, os.O_WRONLY|syscall.O_NONBLOCK, 0); err == nil {
			f.Close()
		}
	})
}
