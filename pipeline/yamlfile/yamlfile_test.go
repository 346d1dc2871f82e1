package yamlfile

import (
	"errors"
	"strings"
	"testing"
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
