package ui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/test"

	"kidney3d/pipeline/brokertest"
	"kidney3d/pipeline/caselibrary"
	"kidney3d/pipeline/jobqueue"
	"kidney3d/pipeline/remoteworker"
)

func TestServerSettingsSaveRefuses(t *testing.T) {
	a := test.NewTempApp(t)
	root := t.TempDir()
	f := newServerSettingsForm(a.Preferences(), nil)
	for _, tc := range []struct{ broker, root, want string }{
		{"amqp://lab:secret@server/", root, "holds a password"},
		{"http://server/", root, "want amqp://"},
		{"amqp://server/", filepath.Join(root, "missing"), "not a folder"},
		{"", root, "set the broker and the shared root"},
	} {
		f.broker.SetText(tc.broker)
		f.root.SetText(tc.root)
		f.form.OnSubmit()
		if !strings.Contains(f.message.Text, tc.want) {
			t.Errorf("%s %s: %q, want %q", tc.broker, tc.root, f.message.Text, tc.want)
		}
		if got := a.Preferences().String(prefBroker); got != "" {
			t.Fatalf("saved broker %q after a refusal", got)
		}
	}
	f.broker.SetText("amqps://server:5671/")
	f.root.SetText(root)
	f.credentials.SetText("/home/lab/.kidney3d-broker")
	f.form.OnSubmit()
	want := ServerSettings{Broker: "amqps://server:5671/", Root: root, Credentials: "/home/lab/.kidney3d-broker"}
	if got := loadServerSettings(a.Preferences()); got != want || f.message.Text != "saved" {
		t.Errorf("saved %+v (%q), want %+v", got, f.message.Text, want)
	}
	// Shown again, the form holds what was saved.
	g := newServerSettingsForm(a.Preferences(), nil)
	if g.broker.Text != want.Broker || g.credentials.Text != want.Credentials {
		t.Errorf("form again: %q %q", g.broker.Text, g.credentials.Text)
	}
	g.root.SetText("/shared/cases") // the temporary folder's name varies
	shot := test.NewWindow(container.NewVBox(g.form, g.message))
	defer shot.Close()
	shot.Resize(fyne.NewSize(640, 260))
	test.AssertImageMatches(t, "server_settings.png", shot.Canvas().Capture())
}

// fakeRun is a kidney3d program whose `run DIR --json` reports two
// stages and succeeds, except for a case named bad, whose load fails, and
// one named slow, whose load marks the case started and takes 30 s.
const fakeRun = `#!/bin/sh
case "$2" in
*/bad) echo 'kidney3d run: load: input/A.nii.gz: not a NIfTI file' >&2; exit 1;;
*/slow) echo '{"stage":"load","state":"running","fraction":0.1,"elapsed_s":0.1}'; touch "$2/started"
	i=0; while [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done; exit 0;;
esac
echo '{"stage":"load","state":"running","fraction":0.5,"elapsed_s":0.1}'
echo '{"stage":"load","state":"done","fraction":1,"elapsed_s":0.2}'
echo '{"stage":"segment","state":"running","fraction":0.4,"elapsed_s":0.1}'
sleep 0.3
echo '{"stage":"segment","state":"done","fraction":1,"elapsed_s":0.5}'
`

// TestRunOnServer: on a real broker with a worker, "Run on server" shows
// the job and its stages as a local run does, and a desktop notification
// says it is done; a case whose runs fail ends failed with the worker's
// reason, notified too; Cancel stops a job the worker runs, without a
// notification.
func TestRunOnServer(t *testing.T) {
	url, _ := brokertest.Start(t)
	a := test.NewTempApp(t)
	root := t.TempDir()
	for _, c := range []string{"K3D-00017", "bad", "slow"} {
		if err := os.MkdirAll(filepath.Join(root, c, "input"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	exe := filepath.Join(dir, "kidney3d")
	creds := filepath.Join(dir, "broker-credentials")
	if err := os.WriteFile(exe, []byte(fakeRun), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(creds, []byte("guest:guest\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	settings := ServerSettings{Broker: url, Root: root, Credentials: creds}
	if err := settings.save(a.Preferences()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	worker := &remoteworker.Worker{Dial: settings.config().Dial, Root: root, Exe: exe, ID: "gpu-server",
		MaxAttempts: 2, RetryDelay: 100 * time.Millisecond}
	stopped := make(chan struct{})
	go func() { _ = worker.Run(ctx); close(stopped) }()
	defer func() { cancel(); <-stopped }()

	p := NewPipelinePanel(nil)
	p.SetServerRun(ServerRun(func() ServerSettings { return loadServerSettings(a.Preferences()) }))
	finished := make(chan error, 1)
	p.OnFinished = func(err error) { finished <- err }
	w := test.NewWindow(p.Content())
	defer w.Close()
	w.Resize(fyne.NewSize(640, 300))
	p.SetCase(filepath.Join(root, "K3D-00017"))
	test.AssertNotificationSent(t, fyne.NewNotification("kidney3d: K3D-00017 done", "finished on the server"), func() {
		test.Tap(p.serverBtn)
		if err := <-finished; err != nil {
			t.Fatalf("run on server: %v", err)
		}
	})
	if !strings.HasPrefix(p.status.Text, "finished on the server in ") {
		t.Errorf("status %q", p.status.Text)
	}
	if want := []string{serverRow, "load", "segment"}; !slices.Equal(p.order, want) {
		t.Errorf("rows %v, want %v", p.order, want)
	}
	for stage, want := range map[string]string{serverRow: "done: by gpu-server", "load": "done", "segment": "done"} {
		if r := p.stages[stage]; r == nil || r.state.Text != want || r.bar.Value != 1 {
			t.Errorf("%s: %+v, want %q at 100%%", stage, r, want)
		}
	}
	// The times vary from run to run: pinned for the screenshot.
	for i, stage := range p.order {
		p.stages[stage].time.SetText([]string{"1.4 s", "0.2 s", "0.5 s"}[i])
	}
	p.status.SetText("finished on the server in 1.4s")
	p.content.Refresh() // the test canvas lays the rows added out again only when asked
	test.AssertImageMatches(t, "run_on_server.png", w.Canvas().Capture())

	p.SetCase(filepath.Join(root, "bad"))
	const reason = "on the server: failed 2 times: load: input/A.nii.gz: not a NIfTI file"
	test.AssertNotificationSent(t, fyne.NewNotification("kidney3d: bad failed", reason), func() {
		test.Tap(p.serverBtn)
		if err := <-finished; err == nil || err.Error() != reason {
			t.Fatalf("run on server: %v, want %q", err, reason)
		}
	})
	if r := p.stages[serverRow]; r == nil || r.state.Text != "failed: failed 2 times: load: input/A.nii.gz: not a NIfTI file" {
		t.Errorf("server row %+v", r)
	}

	slow := filepath.Join(root, "slow")
	p.SetCase(slow)
	test.AssertNotificationSent(t, nil, func() {
		test.Tap(p.serverBtn)
		for {
			if _, err := os.Stat(filepath.Join(slow, "started")); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
		test.Tap(p.stopBtn)
		if err := <-finished; !errors.Is(err, context.Canceled) {
			t.Fatalf("cancelled run on server: %v", err)
		}
	})
	if !strings.HasPrefix(p.status.Text, "cancelled after ") {
		t.Errorf("status %q", p.status.Text)
	}
	if r := p.stages[serverRow]; r == nil || r.state.Text != "cancelled: cancelled while it ran; the stages finished are kept" {
		t.Errorf("server row %+v, want the worker's cancel", r)
	}
	if e, err := caselibrary.Describe(slow); err != nil || e.Status != caselibrary.New {
		t.Errorf("library: %q %v, want the folder's status (new) after the cancel", e.Status, err)
	}
}

// fakeQueue is a queue whose jobs the test sets.
type fakeQueue struct{ jobs []jobqueue.Job }

func (f *fakeQueue) List(context.Context, bool) ([]jobqueue.Job, error) { return f.jobs, nil }
func (f *fakeQueue) Cancel(context.Context, int64) error                { return nil }

// TestQueuePanelNotifiesEnds: a job seen waiting or running that is then
// done or failed sends a notification; one already ended when first
// seen, or cancelled, does not.
func TestQueuePanelNotifiesEnds(t *testing.T) {
	test.NewTempApp(t)
	q := &fakeQueue{jobs: []jobqueue.Job{
		{ID: 1, Dir: "/cases/a", State: jobqueue.Running},
		{ID: 2, Dir: "/cases/b", State: jobqueue.Queued},
		{ID: 3, Dir: "/cases/c", State: jobqueue.Queued},
		{ID: 4, Dir: "/cases/d", State: jobqueue.Done},
	}}
	var p *QueuePanel
	test.AssertNotificationSent(t, nil, func() { p = NewQueuePanel(q) })
	q.jobs[0].State = jobqueue.Done
	test.AssertNotificationSent(t, fyne.NewNotification("kidney3d: a done", "queue job 1 finished"), p.Refresh)
	q.jobs[1].State, q.jobs[1].Error = jobqueue.Failed, "load: input/A.nii.gz: not a NIfTI file"
	test.AssertNotificationSent(t, fyne.NewNotification("kidney3d: b failed", "queue job 2: load: input/A.nii.gz: not a NIfTI file"), p.Refresh)
	q.jobs[2].State = jobqueue.Cancelled
	test.AssertNotificationSent(t, nil, p.Refresh)
}
