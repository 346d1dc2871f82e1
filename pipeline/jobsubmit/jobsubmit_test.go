package jobsubmit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kidney3d/pipeline/workmsg"
)

func TestMessages(t *testing.T) {
	root := t.TempDir()
	for _, d := range []string{"2026/K1/input", "K2/input"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	outside := t.TempDir()
	if err := os.Mkdir(filepath.Join(outside, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	ms, err := Messages(root, []string{filepath.Join(root, "2026", "K1"), filepath.Join(root, "K2")}, "urgent", "cpu", now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Case != "2026/K1" || ms[1].Case != "K2" || ms[0].ID == ms[1].ID {
		t.Fatalf("messages %+v", ms)
	}
	want := workmsg.Message{Version: workmsg.Version, ID: ms[0].ID, Case: "2026/K1", Priority: "urgent", Device: "cpu", Submitted: now}
	if ms[0] != want || !strings.HasPrefix(ms[0].ID, "20261206T100000.000-") {
		t.Errorf("message %+v, want %+v", ms[0], want)
	}
	for c, reason := range map[string]string{
		outside:                         "not under the workers' root",
		filepath.Join(root, "link"):     "symbolic link",
		filepath.Join(root, "missing"):  "does not exist",
		filepath.Join(root, "2026"):     "not a case folder",
		filepath.Join(root, "K2", ".."): "not a case folder",
	} {
		if _, err := Messages(root, []string{c}, "normal", "auto", now); err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("%s: %v, want %q", c, err, reason)
		}
	}
}
