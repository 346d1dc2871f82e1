// Package casegen makes libraries of plausible case folders, and the
// queries a person would type to find one of them, for the case library's
// tests and benchmarks: patients with realistic names (unique within a
// library), study descriptions, dates, tags, notes and assignees, and
// queries with one or two typos ("jonh smiht nephrectmy").
package casegen

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Case is one generated case.
type Case struct {
	Folder      string // the folder's name under the root
	First, Last string
	PatientID   string
	Description string
	Date        string // YYYYMMDD
	Tags        []string
	Notes       string
	Assignee    string
}

// Generate makes n cases with distinct patient names from seed; n may be
// at most len(firstNames)*len(lastNames).
func Generate(seed uint64, n int) []Case {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if n > len(firstNames)*len(lastNames) {
		panic("casegen: more cases than distinct names")
	}
	used := map[string]bool{}
	start := time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)
	out := make([]Case, 0, n)
	for len(out) < n {
		first, last := firstNames[rng.IntN(len(firstNames))], lastNames[rng.IntN(len(lastNames))]
		if used[first+" "+last] {
			continue
		}
		used[first+" "+last] = true
		i := len(out)
		c := Case{
			Folder:      fmt.Sprintf("K3D-%05d", i+1),
			First:       first,
			Last:        last,
			PatientID:   fmt.Sprintf("MRN%07d", rng.IntN(10_000_000)),
			Description: descriptions[rng.IntN(len(descriptions))],
			Date:        start.AddDate(0, 0, rng.IntN(4*365)).Format("20060102"),
		}
		if rng.IntN(3) == 0 {
			c.Tags = []string{tags[rng.IntN(len(tags))]}
		}
		if rng.IntN(4) == 0 {
			c.Notes = notes[rng.IntN(len(notes))]
		}
		if rng.IntN(2) == 0 {
			c.Assignee = assignees[rng.IntN(len(assignees))]
		}
		out = append(out, c)
	}
	return out
}

// Write writes the case as a case folder under root: input/ (empty: no
// phase is needed to index a case), case.json as `kidney3d import
// --keep-identity` writes it, and review.json when it has tags, notes or
// an assignee.
func (c Case) Write(root string) error {
	dir := filepath.Join(root, c.Folder)
	if err := os.MkdirAll(filepath.Join(dir, "input"), 0o755); err != nil {
		return err
	}
	rec := map[string]any{
		"imported": "2025-01-01T00:00:00Z",
		"study": map[string]string{
			"uid": "1.2.826.0.1.3680043.2." + strings.TrimPrefix(c.PatientID, "MRN"), "description": c.Description,
			"date": c.Date, "patient_name": strings.ToUpper(c.Last) + "^" + strings.ToUpper(c.First), "patient_id": c.PatientID,
		},
		"phases": map[string]any{}, "series": []any{},
	}
	if err := writeJSON(filepath.Join(dir, "case.json"), rec); err != nil {
		return err
	}
	if len(c.Tags) == 0 && c.Notes == "" && c.Assignee == "" {
		return nil
	}
	return writeJSON(filepath.Join(dir, "review.json"), map[string]any{"assignee": c.Assignee, "tags": c.Tags, "notes": c.Notes})
}

func writeJSON(path string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return os.WriteFile(path, b, 0o644)
}

// Query is what a person might type to find c, with typos typos (1 or 2):
// the patient's first and last name, and one time in five a word of the
// study description, one typo in each of typos different words.
func Query(rng *rand.Rand, c Case, typos int) string {
	words := []string{strings.ToLower(c.First), strings.ToLower(c.Last)}
	if rng.IntN(5) == 0 {
		var long []string
		for _, w := range strings.Fields(strings.ToLower(c.Description)) {
			if len(w) >= 6 {
				long = append(long, w)
			}
		}
		if len(long) > 0 {
			words = append(words, long[rng.IntN(len(long))])
		}
	}
	// One typo per word, in words of 4 letters or more where there are
	// enough of them, else two typos in the longest word.
	var candidates []int
	for i, w := range words {
		if len(w) >= 4 {
			candidates = append(candidates, i)
		}
	}
	rng.Shuffle(len(candidates), func(i, j int) { candidates[i], candidates[j] = candidates[j], candidates[i] })
	if len(candidates) >= typos {
		for _, i := range candidates[:typos] {
			words[i] = Typo(rng, words[i])
		}
	} else {
		longest := 0
		for i, w := range words {
			if len(w) > len(words[longest]) {
				longest = i
			}
		}
		for range typos {
			words[longest] = Typo(rng, words[longest])
		}
	}
	return strings.Join(words, " ")
}

// Typo makes one typing mistake in a word: two neighbouring letters
// swapped, one left out, one doubled, or one replaced by its neighbour on
// the keyboard; never in the first letter, which people rarely miss.
func Typo(rng *rand.Rand, w string) string {
	r := []rune(w)
	if len(r) < 3 {
		return w
	}
	i := 1 + rng.IntN(len(r)-1)
	switch rng.IntN(4) {
	case 0:
		if i == len(r)-1 {
			i--
		}
		if r[i] != r[i+1] {
			r[i], r[i+1] = r[i+1], r[i]
			return string(r)
		}
		fallthrough
	case 1:
		return string(append(r[:i:i], r[i+1:]...))
	case 2:
		return string(r[:i+1]) + string(r[i:])
	}
	if n, ok := neighbours[r[i]]; ok {
		r[i] = []rune(n)[rng.IntN(len(n))]
	} else {
		r[i] = 'x'
	}
	return string(r)
}

// neighbours are the keys next to each letter on a QWERTY keyboard.
var neighbours = map[rune]string{
	'q': "wa", 'w': "qes", 'e': "wrd", 'r': "etf", 't': "ryg", 'y': "tuh", 'u': "yij", 'i': "uok", 'o': "ipl",
	'p': "ol", 'a': "qsz", 's': "adwx", 'd': "sfec", 'f': "dgrv", 'g': "fhtb", 'h': "gjyn", 'j': "hkum",
	'k': "jlim", 'l': "kop", 'z': "asx", 'x': "zcs", 'c': "xvd", 'v': "cbf", 'b': "vng", 'n': "bmh", 'm': "nj",
}
