package labels

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"kidney3d/pipeline/limits"
)

func TestDefaultTableHasDesignLabels(t *testing.T) {
	tab := Default()
	want := []string{"background", "kidney_left", "kidney_right", "tumor", "cyst", "artery", "vein", "ureter", "perirenal_fat"}
	for v, name := range want {
		if got := tab.Name(v); got != name {
			t.Errorf("value %d: got %q, want %q", v, got, name)
		}
		if got := tab.Value(name); int(got) != v {
			t.Errorf("%s: got value %d, want %d", name, got, v)
		}
	}
	for _, name := range []string{"liver", "spleen", "aorta", "inferior_vena_cava", "spine"} {
		if l, ok := tab.ByName(name); !ok || l.Value < 9 {
			t.Errorf("context organ %s: %+v, %v", name, l, ok)
		}
	}
	if got := tab.Name(200); got != "label_200" {
		t.Errorf("unknown value: got %q", got)
	}
}

func TestParseRejectsBadTables(t *testing.T) {
	for _, tc := range []struct{ name, yaml, want string }{
		{"empty", "", "no labels"},
		{"dup value", "labels:\n  - {value: 1, name: a}\n  - {value: 1, name: b}\n", ":3: label value 1 used twice"},
		{"dup name", "labels:\n  - {value: 1, name: a}\n  - {value: 2, name: a}\n", ":3: label name \"a\" used twice"},
		{"range", "labels:\n  - {value: 300, name: a}\n", ":2: label \"a\": value 300 outside 0-255"},
		{"bad name", "labels:\n  - {value: 1, name: Kidney Left}\n", "lower_snake_case"},
		{"unknown key", "labels:\n  - {value: 1, name: a, colour: [1,2,3,4]}\n", "colour"},
		{"bad colour", "labels:\n  - {value: 1, name: a, color: [1,2,300,4]}\n", ":2:"},
		{"bad profile", "labels:\n  - {value: 1, name: a, mesh: {profile: blob}}\n", "unknown profile"},
		{"not yaml", "labels: [\n", "t.yaml"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.yaml), "t.yaml")
			var le *Error
			if !errors.As(err, &le) {
				t.Fatalf("got %v, want *Error", err)
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "t.yaml") {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func TestLoadIsBounded(t *testing.T) {
	big := filepath.Join(t.TempDir(), "labels.yaml")
	data := append([]byte("labels:\n  - {value: 1, name: a}\n#"), make([]byte, limits.MaxLabelTableBytes)...)
	if err := os.WriteFile(big, data, 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/dev/zero": "labels: /dev/zero: not a regular file",
		big:         "labels: " + big + ": file too large",
	} {
		if _, err := Load(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Load(%s): %v, want %q", path, err, want)
		}
	}
	if _, err := Parse(data, "t.yaml"); err == nil || !strings.Contains(err.Error(), "over the limit") {
		t.Errorf("Parse of an oversized table: %v", err)
	}
	long := strings.Repeat("x", 1<<20)
	if _, err := Parse([]byte("labels:\n  - {value: 1, name: "+long+"Y}\n"), "t.yaml"); err == nil || len(err.Error()) > 300 {
		t.Errorf("a long bad name: %.300v", err)
	}
}
