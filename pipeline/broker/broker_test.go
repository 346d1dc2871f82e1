package broker

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPriority(t *testing.T) {
	for p, want := range map[string]uint8{"urgent": 2, "normal": 1, "batch": 0} {
		if got := Priority(p); got != want {
			t.Errorf("Priority(%q) = %d, want %d", p, got, want)
		}
	}
}

func TestDialRefusesBeforeConnecting(t *testing.T) {
	dir := t.TempDir()
	open := filepath.Join(dir, "open")
	if err := os.WriteFile(open, []byte("user:secret\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad")
	if err := os.WriteFile(bad, []byte("no colon\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{URL: "amqp://user:secret@localhost/"}, "holds a password"},
		{Config{URL: "http://localhost/"}, "want amqp://"},
		{Config{URL: "amqp://localhost/", Credentials: open}, "readable by others"},
		{Config{URL: "amqp://localhost/", Credentials: bad}, "want USER:PASSWORD on the first line"},
		{Config{URL: "amqp://localhost/", Credentials: filepath.Join(dir, "missing")}, "broker credentials"},
		{Config{URL: "amqps://localhost/", CA: open}, "no PEM certificate"},
	} {
		if _, err := tc.cfg.Dial(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: %v, want %q", tc.cfg, err, tc.want)
		}
	}
}

func TestCredentials(t *testing.T) {
	file := filepath.Join(t.TempDir(), "creds")
	if err := os.WriteFile(file, []byte("lab:pa:ss\r\nignored\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if u, p, err := (Config{Credentials: file}).credentials(); err != nil || u != "lab" || p != "pa:ss" {
		t.Errorf("file: %q %q %v, want lab pa:ss", u, p, err)
	}
	t.Setenv(EnvUser, "env")
	t.Setenv(EnvPassword, "word")
	if u, p, err := (Config{}).credentials(); err != nil || u != "env" || p != "word" {
		t.Errorf("environment: %q %q %v, want env word", u, p, err)
	}
	t.Setenv(EnvPassword, "")
	if _, _, err := (Config{}).credentials(); err == nil || !strings.Contains(err.Error(), "set both") {
		t.Errorf("user without password: %v", err)
	}
}
