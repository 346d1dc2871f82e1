package remotejob

import (
	"strings"
	"testing"
	"time"

	"kidney3d/pipeline/casefile"
)

func TestWriteRead(t *testing.T) {
	c := &casefile.Case{Dir: t.TempDir()}
	if _, ok, err := Read(c); ok || err != nil {
		t.Fatalf("no file: ok %v, %v", ok, err)
	}
	want := State{Job: "j1", Priority: "urgent", Submitted: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC), State: Failed, Attempts: 3, Reason: "boom"}
	before := time.Now().UTC()
	if err := Write(c, want); err != nil {
		t.Fatal(err)
	}
	got, ok, err := Read(c)
	if !ok || err != nil {
		t.Fatalf("Read: ok %v, %v", ok, err)
	}
	if got.Changed.Before(before) || got.Changed.After(time.Now()) {
		t.Errorf("changed %s, want the time of the write", got.Changed)
	}
	want.Changed = got.Changed
	if got != want {
		t.Errorf("read %+v, want %+v", got, want)
	}
	if err := Write(c, State{Job: "j1", State: "done"}); err == nil || !strings.Contains(err.Error(), `state "done"`) {
		t.Errorf("writing state done: %v", err)
	}
}

func TestParseRefuses(t *testing.T) {
	for in, want := range map[string]string{
		`{"job":"j","state":"queued","extra":1}`:     `unknown field "extra"`,
		`{"state":"queued"}`:                         "no job",
		`{"job":"j","state":"running"}`:              `state "running"`,
		`{"job":"j","state":"failed","attempts":-1}`: "-1 attempts",
		`[]`: "not a remote job state",
	} {
		if _, err := Parse([]byte(in)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Parse(%s): %v, want %q", in, err, want)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`{"job":"j1","priority":"urgent","submitted":"2026-12-06T10:00:00Z","state":"failed","attempts":3,"reason":"boom","changed":"2026-12-06T10:01:00Z"}`))
	f.Add([]byte(`{"job":"j","state":"queued"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			return
		}
		if s.check() != nil {
			t.Fatalf("Parse accepted %+v, which check refuses", s)
		}
	})
}

func TestCancel(t *testing.T) {
	c := &casefile.Case{Dir: t.TempDir()}
	if ok, err := Cancel(c, "j1"); ok || err != nil {
		t.Errorf("no file: %v %v, want nothing done", ok, err)
	}
	if err := Write(c, State{Job: "j1", State: Queued}); err != nil {
		t.Fatal(err)
	}
	if ok, err := Cancel(c, "j2"); ok || err != nil || IsCancelled(c, "j1") {
		t.Errorf("another job: %v %v, want nothing done", ok, err)
	}
	if ok, err := Cancel(c, "j1"); !ok || err != nil || !IsCancelled(c, "j1") || IsCancelled(c, "j2") {
		t.Errorf("j1: %v %v, want it cancelled", ok, err)
	}
	if ok, err := Cancel(c, "j1"); ok || err != nil {
		t.Errorf("again: %v %v, want nothing done", ok, err)
	}
}
