package workmsg

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func valid() Message {
	return Message{Version: 1, ID: "job-17.a", Case: "2026/K3D-00017", Priority: "urgent", Device: "auto",
		Submitted: time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)}
}

func TestEncodeParseRoundTrip(t *testing.T) {
	b, err := valid().Encode()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"version":1,"id":"job-17.a","case":"2026/K3D-00017","priority":"urgent","device":"auto","submitted":"2026-12-06T10:00:00Z"}`
	if string(b) != want {
		t.Fatalf("Encode = %s, want %s", b, want)
	}
	m, err := Parse(b)
	if err != nil || m != valid() {
		t.Errorf("Parse = %+v, %v", m, err)
	}
}

func TestParseRefusesWithTheField(t *testing.T) {
	ok := `{"version":1,"id":"j1","case":"c","priority":"normal","device":"cpu","submitted":"2026-12-06T10:00:00Z"}`
	for _, c := range []struct{ msg, field, reason string }{
		{`not json`, "", "not a job message"},
		{ok + `{}`, "", "data after the JSON object"},
		{strings.Replace(ok, `"version":1`, `"version":2`, 1), "version", "2, this program reads 1"},
		{strings.Replace(ok, `"j1"`, `"j 1"`, 1), "id", "want 1 to 64"},
		{strings.Replace(ok, `"normal"`, `"asap"`, 1), "priority", "want urgent, normal or batch"},
		{strings.Replace(ok, `"cpu"`, `"tpu"`, 1), "device", "want auto, cpu or gpu"},
		{strings.Replace(ok, `"c"`, `"../etc"`, 1), "case", `".." leaves the worker's root`},
		{strings.Replace(ok, `"c"`, `"a/../../b"`, 1), "case", `".." leaves`},
		{strings.Replace(ok, `"c"`, `"/etc/passwd"`, 1), "case", "an absolute path"},
		{strings.Replace(ok, `"c"`, `"a\\\\b"`, 1), "case", "backslash"},
		{strings.Replace(ok, `,"submitted":"2026-12-06T10:00:00Z"`, ``, 1), "submitted", "missing"},
		{strings.Replace(ok, `{`, `{"extra":1,`, 1), "", "unknown field"},
		{`{"id":"` + strings.Repeat("x", MaxSize) + `"}`, "", "more than 4096"},
	} {
		_, err := Parse([]byte(c.msg))
		var e *Error
		if !errors.As(err, &e) || e.Field != c.field || !strings.Contains(e.Reason, c.reason) {
			t.Errorf("Parse(%.60s): %v, want field %q, reason containing %q", c.msg, err, c.field, c.reason)
		}
	}
}

func TestResolveStaysUnderTheRoot(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	for _, d := range []string{filepath.Join(root, "2026", "K3D-1", "input"), filepath.Join(outside, "evil", "input"), filepath.Join(root, "plain")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(outside, "evil"), filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(outside, filepath.Join(root, "2026", "up")); err != nil {
		t.Fatal(err)
	}
	if got, err := Resolve(root, "2026/K3D-1"); err != nil || got != filepath.Join(root, "2026", "K3D-1") {
		t.Errorf("Resolve = %q, %v", got, err)
	}
	for rel, reason := range map[string]string{
		"link":         "symbolic link",
		"2026/up/evil": "symbolic link",
		"plain":        "not a case folder",
		"missing":      "does not exist",
		"../x":         `".." leaves`,
	} {
		if _, err := Resolve(root, rel); err == nil || !strings.Contains(err.Error(), reason) {
			t.Errorf("Resolve(%q): %v, want %q", rel, err, reason)
		}
	}
}

func FuzzParse(f *testing.F) {
	b, _ := valid().Encode()
	f.Add(b)
	f.Add([]byte(`{"version":1,"id":"x","case":"../../etc","priority":"urgent","device":"gpu","submitted":"2026-01-01T00:00:00Z"}`))
	f.Add([]byte(`{}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse error %v is not a *Error", err)
			}
			return
		}
		// A message Parse accepts stays under the root by its text and
		// encodes to a message Parse accepts again, equal.
		if strings.Contains("/"+m.Case+"/", "/../") || filepath.IsAbs(m.Case) {
			t.Fatalf("accepted case path %q", m.Case)
		}
		again, err := m.Encode()
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Parse(again)
		if err != nil || !m2.Submitted.Equal(m.Submitted) || m2.Case != m.Case || m2.ID != m.ID {
			t.Fatalf("round trip: %+v, %v", m2, err)
		}
	})
}
