package main

// End-to-end test of the scale-out workers on a real RabbitMQ broker
// (tools/rabbitmq.sh): jobs run most urgent first, a worker killed with
// SIGKILL mid-job leaves its job to another worker, which finishes it
// byte-identical to a clean run, and refused messages land in the
// dead-letter queue with their reasons. One worker and one submit connect
// with TLS (amqps, the broker's private authority given by --ca).

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	amqp "github.com/rabbitmq/amqp091-go"

	"kidney3d/pipeline/broker"
	"kidney3d/pipeline/brokertest"
	"kidney3d/pipeline/casefile"
	"kidney3d/pipeline/caselease"
	"kidney3d/pipeline/caselibrary"
	"kidney3d/pipeline/remotejob"
)

// workerProc is a `kidney3d worker` process and its log.
type workerProc struct {
	cmd *exec.Cmd
	log string
}

func startWorker(t *testing.T, url, root, id string, flags ...string) *workerProc {
	t.Helper()
	log := filepath.Join(t.TempDir(), id+".log")
	f, err := os.Create(log)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cmd := exec.Command(binary, append([]string{"worker", "--broker", url, "--root", root, "--id", id}, flags...)...)
	cmd.Env = append(os.Environ(), broker.EnvUser+"=guest", broker.EnvPassword+"=guest")
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &workerProc{cmd: cmd, log: log}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(log)
			t.Logf("%s:\n%s", id, b)
		}
	})
	return w
}

func TestWorkersOnRabbitMQ(t *testing.T) {
	if testing.Short() {
		t.Skip("starts RabbitMQ and runs five cases; skipped with -short")
	}
	url, brokerDir := brokertest.Start(t)
	// The third worker and the urgent job connect with TLS, trusting the
	// broker's private authority, the worker with a credentials file.
	tlsURL, err := os.ReadFile(filepath.Join(brokerDir, "amqps.url"))
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(brokerDir, "tls", "ca.pem")
	creds := writeFile(t, filepath.Join(t.TempDir(), "broker-credentials"), []byte("guest:guest\n"))
	if err := os.Chmod(creds, 0o600); err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	// One small case with its masks given, copied: n1, n2, n3 normal, u1
	// urgent.
	base := filepath.Join(t.TempDir(), "base")
	if _, stderr, code := kidney3d(t, "demo", "--out", base, "--seed", "3", "--defects"); code != 0 {
		t.Fatalf("demo: %s", stderr)
	}
	names := []string{"n1", "n2", "n3", "u1"}
	for _, n := range names {
		if out, err := exec.Command("cp", "-a", base, filepath.Join(root, n)).CombinedOutput(); err != nil {
			t.Fatalf("cp: %v %s", err, out)
		}
	}
	conn, err := amqp.Dial(url)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ch, err := conn.Channel()
	if err != nil {
		t.Fatal(err)
	}
	if err := broker.Declare(ch); err != nil {
		t.Fatal(err)
	}
	events, err := broker.Watch(ch)
	if err != nil {
		t.Fatal(err)
	}
	submit := func(url, prio string, cases ...string) {
		t.Helper()
		args := []string{"submit", "--broker", url, "--root", root, "--priority", prio, "--ca", ca}
		for _, c := range cases {
			args = append(args, filepath.Join(root, c))
		}
		if _, stderr, code := kidney3d(t, args...); code != 0 {
			t.Fatalf("submit %v: %s", cases, stderr)
		}
	}
	submit(url, "normal", "n1", "n2", "n3")
	// The library sees the submitted cases queued (their remote-job.json).
	db := filepath.Join(t.TempDir(), "library.db")
	if _, stderr, code := kidney3d(t, "library", "add", root, "--db", db); code != 0 {
		t.Fatalf("library add: %s", stderr)
	}
	if got := libraryStatuses(t, db); !slices.Equal(got, []string{"n1 queued", "n2 queued", "n3 queued", "u1 new"}) {
		t.Errorf("library after submit: %v", got)
	}
	// A malformed message and one whose case leaves the root.
	for _, body := range []string{`{"version":1,"id":"bad"`,
		`{"version":1,"id":"escape","case":"../etc","priority":"normal","device":"auto","submitted":"2026-01-01T00:00:00Z"}`} {
		if err := ch.PublishWithContext(context.Background(), "", broker.JobQueue, false, false,
			amqp.Publishing{DeliveryMode: amqp.Persistent, MessageId: "raw", Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	w1 := startWorker(t, url, root, "w1")
	startWorker(t, url, root, "w2")

	var log []broker.Event
	started := map[string]string{} // case → worker
	next := func() broker.Event {
		t.Helper()
		select {
		case e := <-events:
			log = append(log, e)
			if e.State == broker.Started {
				started[e.Case] = e.Worker
			}
			return e
		case <-time.After(90 * time.Second):
			t.Fatalf("no progress event in 90 s; events so far: %+v", log)
		}
		return broker.Event{}
	}
	// Both workers busy with n1 and n2: the urgent case comes now, and
	// must start before n3.
	for len(started) < 2 {
		next()
	}
	submit(strings.TrimSpace(string(tlsURL)), "urgent", "u1")
	// w1's job is killed once one of its stages has finished.
	var victim string
	for c, w := range started {
		if w == "w1" {
			victim = c
		}
	}
	if victim == "" {
		t.Fatalf("w1 started nothing: %+v", log)
	}
	for {
		if _, err := os.Stat(filepath.Join(root, victim, "manifest.json")); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_ = w1.cmd.Process.Signal(syscall.SIGKILL)
	_ = w1.cmd.Wait()
	w3 := startWorker(t, strings.TrimSpace(string(tlsURL)), root, "w3", "--ca", ca, "--broker-credentials", creds)

	done := map[string]int{}
	dead := 0
	for len(done) < len(names) || dead < 2 {
		e := next()
		switch e.State {
		case broker.Done:
			done[e.Case]++
		case broker.Dead:
			dead++
		}
	}
	if b, _ := os.ReadFile(w3.log); !strings.Contains(string(b), "consuming "+broker.JobQueue) {
		t.Errorf("w3 (amqps, credentials file) did not consume:\n%s", b)
	}
	// Order of starts: u1 before n3.
	var order []string
	for _, e := range log {
		if e.State == broker.Started {
			order = append(order, e.Case)
		}
	}
	t.Logf("started %v; %s killed on w1", order, victim)
	if slices.Index(order, "u1") > slices.Index(order, "n3") {
		t.Errorf("started %v: the urgent case after a normal one queued before it", order)
	}
	if n := strings.Count(strings.Join(order, " "), victim); n != 2 {
		t.Errorf("started %v: the killed worker's %s started %d times, want 2", order, victim, n)
	}
	if started[victim] == "w1" {
		t.Errorf("%s was finished by the worker killed", victim)
	}
	for _, n := range names {
		if done[n] != 1 {
			t.Errorf("%s finished %d times, want once", n, done[n])
		}
		if s, err := caselease.Read(filepath.Join(root, n)); err != nil || s.Worker != "" || s.Done == "" {
			t.Errorf("%s: lease %+v %v, want free with its job done", n, s, err)
		}
	}
	// The killed job's outputs are those of clean runs.
	clean := "n2"
	if victim == "n2" {
		clean = "n1"
	}
	want, got := outputs(t, filepath.Join(root, clean)), outputs(t, filepath.Join(root, victim))
	if len(want) == 0 || !slices.Equal(keys(got), keys(want)) {
		t.Fatalf("%s: outputs %v, want %v", victim, keys(got), keys(want))
	}
	for f := range want {
		if !bytes.Equal(got[f], want[f]) {
			t.Errorf("%s: output/%s differs from a clean run", victim, f)
		}
	}
	if got := libraryStatuses(t, db); !slices.Equal(got, []string{"n1 needs review", "n2 needs review", "n3 needs review", "u1 needs review"}) {
		t.Errorf("library after the jobs: %v", got)
	}
	// The dead-letter queue holds both refused messages with their reasons.
	var reasons []string
	for {
		d, ok, err := ch.Get(broker.DeadQueue, true)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			break
		}
		r, _ := d.Headers[broker.ReasonHeader].(string)
		reasons = append(reasons, r)
	}
	slices.Sort(reasons)
	if len(reasons) != 2 || !strings.Contains(reasons[0], `case: "../etc": ".." leaves the worker's root`) ||
		!strings.Contains(reasons[1], "not a job message: unexpected EOF") {
		t.Errorf("dead letters' reasons %q", reasons)
	}
}

// libraryStatuses is "NAME STATUS" of each case `library list` shows,
// sorted.
func libraryStatuses(t *testing.T, db string) []string {
	t.Helper()
	var es []caselibrary.Entry
	listJSON(t, &es, "library", "list", "--json", "--db", db)
	var out []string
	for _, e := range es {
		out = append(out, e.Name+" "+e.Status)
	}
	slices.Sort(out)
	return out
}

// TestWorkerAndSubmitRefuseBadCommandLines needs no broker: each is
// refused before connecting.
func TestWorkerAndSubmitRefuseBadCommandLines(t *testing.T) {
	root := t.TempDir()
	c := filepath.Join(root, "case")
	if err := os.MkdirAll(filepath.Join(c, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"worker"}, 2, "--broker URL and --root DIR are required"},
		{[]string{"worker", "--broker", "amqp://127.0.0.1/", "--root", filepath.Join(root, "missing")}, 1, "not a folder"},
		{[]string{"worker", "--broker", "amqp://127.0.0.1/", "--root", root, "--retry-delay", "0s"}, 2, "--retry-delay 0s: want at least 1ms"},
		{[]string{"submit", c, "--broker", "amqp://127.0.0.1/", "--root", root, "--priority", "asap"}, 2, "asap"},
		{[]string{"submit", t.TempDir(), "--broker", "amqp://127.0.0.1/", "--root", root}, 1, "not under the workers' root"},
		{[]string{"submit", "--cancel", c}, 1, "no job submitted (no remote-job.json)"},
		{[]string{"submit", c, "--broker", "amqp://guest:secret@127.0.0.1/", "--root", root}, 1, "holds a password"},
		{[]string{"worker", "--broker", "amqp://guest:secret@127.0.0.1/", "--root", root}, 1, "holds a password"},
	} {
		_, stderr, code := kidney3d(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want exit %d with %q", tc.args, code, stderr, tc.code, tc.want)
		}
	}
}

// TestSubmitCancel needs no broker: the case's remote-job.json says the
// job is cancelled, which its worker reads.
func TestSubmitCancel(t *testing.T) {
	c := filepath.Join(t.TempDir(), "case")
	if err := os.MkdirAll(filepath.Join(c, "input"), 0o755); err != nil {
		t.Fatal(err)
	}
	cf := &casefile.Case{Dir: c}
	if err := remotejob.Write(cf, remotejob.State{Job: "j1", Priority: "normal", State: remotejob.Queued}); err != nil {
		t.Fatal(err)
	}
	out, stderr, code := kidney3d(t, "submit", "--cancel", c)
	if code != 0 || out != "job j1: "+c+" cancelled\n" || !remotejob.IsCancelled(cf, "j1") {
		t.Errorf("submit --cancel: exit %d, %q %q", code, out, stderr)
	}
	if _, stderr, code := kidney3d(t, "submit", "--cancel", c); code != 1 || !strings.Contains(stderr, "job j1 is cancelled already") {
		t.Errorf("again: exit %d, %q", code, stderr)
	}
}
