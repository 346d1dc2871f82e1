package yamlfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

func TestDecodeIsStrictAndNamesTheLine(t *testing.T) {
	var v struct {
		Items []struct {
			Name string `yaml:"name"`
		} `yaml:"items"`
	}
	data := []byte("items:\n  - name: a\n  - name: b\n    colour: red\n")
	err := Decode("test", "t.yaml", data, &v)
	var ye *Error
	if !errors.As(err, &ye) || ye.Line != 4 || !strings.HasPrefix(err.Error(), "test: t.yaml:4:") {
		t.Fatalf("got %v", err)
	}
	if err := Decode("test", "t.yaml", nil, &v); err != nil {
		t.Errorf("empty document: %v", err)
	}
	if got := ListLines(data, "items"); len(got) != 2 || got[0] != 2 || got[1] != 3 {
		t.Errorf("ListLines = %v, want [2 3]", got)
	}
	if ListLines(data, "other") != nil || ListLines([]byte("items: 3"), "items") != nil {
		t.Error("ListLines of a missing or scalar key is not nil")
	}
}

func TestDecodeRefusesOversizedShapesBeforeDecoding(t *testing.T) {
	var big strings.Builder
	big.WriteString("stages:\n  - stage: load\n    params:\n")
	for i := range 100_000 {
		fmt.Fprintf(&big, "      k%d: 1\n", i)
	}
	var list strings.Builder
	list.WriteString("items:\n")
	for range MaxNodes {
		list.WriteString("  - 1\n")
	}
	for _, c := range []struct{ name, yaml, want string }{
		{"100,000 keys in one mapping", big.String(), "t.yaml:4: a mapping of 100000 keys, over the limit of 256"},
		{"too many nodes", list.String(), "more than 100000 YAML nodes"},
		{"long key", "items: 1\n? " + strings.Repeat("k", 1<<20) + "\n: 1\n", `t.yaml:2: key "kkkk`},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v map[string]any
			err := Decode("test", "t.yaml", []byte(c.yaml), &v)
			if err == nil || !strings.Contains(err.Error(), c.want) || len(err.Error()) > 300 {
				t.Errorf("got %.300v, want %q", err, c.want)
			}
		})
	}
}

func TestReadFileNamesTheFileAndTheReason(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, make([]byte, 101), 0o644); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/dev/zero":                     "labels: /dev/zero: not a regular file: it is a device",
		big:                             "labels: " + big + ": file too large: 101 bytes, over the limit of 100 bytes",
		filepath.Join(dir, "none.yaml"): "no such file",
	} {
		_, err := ReadFile("labels", path, 100)
		var ye *Error
		if !errors.As(err, &ye) || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: got %v, want %q", path, err, want)
		}
	}
}

// FuzzDecode checks that any bytes decode or give an *Error, never a
// panic, and that whatever decodes fits the shape limits.
func FuzzDecode(f *testing.F) {
	f.Add([]byte("items:\n  - name: a\n  - name: b\n"))
	f.Add([]byte("a: &x [1, 2]\nb: *x\nc: {d: e}\n"))
	f.Add([]byte("{a: 1, a: 2}"))
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if err := Decode("fuzz", "fuzz.yaml", data, &v); err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		var doc yaml.Node
		if err := yaml.Unmarshal(data, &doc); err != nil {
			t.Fatalf("decoded, but does not parse: %v", err)
		}
		if _, err := checkShape(&doc); err != nil {
			t.Fatalf("decoded over the limits: %v", err)
		}
	})
}
