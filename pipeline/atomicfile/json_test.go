package atomicfile

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteJSONIndentsAndEndsInANewline(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "a.json")
	if err := WriteJSON(path, map[string]any{"b": []int{1}, "a": "<x>"}); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"a\": \"\\u003cx\\u003e\",\n  \"b\": [\n    1\n  ]\n}\n"
	if string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}

func TestWriteJSONKeepsTheOldFileWhenVCannotBeEncoded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.json")
	if err := os.WriteFile(path, []byte("old"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteJSON(path, func() {}); err == nil {
		t.Fatal("a func encoded")
	}
	if got, _ := os.ReadFile(path); string(got) != "old" {
		t.Fatalf("file now %q", got)
	}
}
