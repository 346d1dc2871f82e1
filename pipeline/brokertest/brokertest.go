// Package brokertest starts a private RabbitMQ broker for a test
// (tools/rabbitmq.sh: its own node name, ports and data folder), stopped
// when the test ends; the test is skipped, saying why, where
// rabbitmq-server is not installed.
package brokertest

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// Start starts a broker and returns its URL (amqp://127.0.0.1:PORT/, user
// guest, password guest) and its folder (DIR/amqps.url holds its amqps
// URL, DIR/tls/ca.pem its private authority).
func Start(t testing.TB) (url, dir string) {
	t.Helper()
	script, err := findScript()
	if err != nil {
		t.Fatal(err)
	}
	dir = t.TempDir()
	out, err := exec.Command(script, "start", dir).Output()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() == 3 {
		t.Skip("rabbitmq-server is not installed (make deps-test installs it)")
	}
	if exit != nil {
		t.Fatalf("tools/rabbitmq.sh start: %v\n%s", err, exit.Stderr)
	}
	if err != nil {
		t.Fatalf("tools/rabbitmq.sh start: %v", err)
	}
	t.Cleanup(func() { _ = exec.Command(script, "stop", dir).Run() })
	return strings.TrimSpace(string(out)), dir
}

// findScript is tools/rabbitmq.sh of the module holding the working
// folder (a test runs in its package's folder).
func findScript() (string, error) {
	d, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "tools", "rabbitmq.sh"), nil
		}
		up := filepath.Dir(d)
		if up == d {
			return "", errors.New("brokertest: no go.mod above the working folder")
		}
		d = up
	}
}
