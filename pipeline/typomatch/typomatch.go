// Package typomatch ranks texts against a query typed from memory: words
// are compared by edit distance (insertions, deletions, substitutions and
// swaps of neighbours), so "jonh smiht" finds "John Smith" and
// "nephrectmy" finds "nephrectomy".
package typomatch

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Words splits text into lower-case words of letters and digits.
func Words(text string) []string {
	return strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// Distance is the optimal-string-alignment distance between a and b: the
// fewest insertions, deletions, substitutions and swaps of two neighbouring
// characters that turn one into the other. It stops early and returns
// limit+1 once the distance is known to exceed limit.
func Distance(a, b string, limit int) int {
	if isASCII(a) && isASCII(b) {
		return distance([]byte(a), []byte(b), limit)
	}
	return distance([]rune(a), []rune(b), limit)
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// distance is Distance over bytes or runes, with three rows: the one
// before the previous (for swaps), the previous and the current, on the
// stack for words up to 31 characters.
func distance[C byte | rune](a, b []C, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	var buf [3 * 32]int
	rows := buf[:]
	if len(b)+1 > 32 {
		rows = make([]int, 3*(len(b)+1))
	}
	n := len(b) + 1
	prev2, prev, cur := rows[:n], rows[n:2*n], rows[2*n:3*n]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d := min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d = min(d, prev2[j-2]+1)
			}
			cur[j] = d
			rowMin = min(rowMin, d)
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}

// Allowed is how many typos a query word of n characters may hold: none up
// to 2 characters, one up to 4, two from 5.
func Allowed(n int) int {
	switch {
	case n <= 2:
		return 0
	case n <= 4:
		return 1
	default:
		return 2
	}
}

// Similarity of a query word to a text word, in [0, 1]: 1 when equal,
// 0.9 when the text word starts with it (3 characters or more), 0.8 when
// it holds it elsewhere, 1 - 0.25 per typo within Allowed, else 0.
func Similarity(q, w string) float64 {
	if q == w {
		return 1
	}
	n := utf8.RuneCountInString(q)
	if n >= 3 && strings.HasPrefix(w, q) {
		return 0.9
	}
	if n >= 3 && strings.Contains(w, q) {
		return 0.8
	}
	allowed := Allowed(n)
	if allowed == 0 {
		return 0
	}
	if d := Distance(q, w, allowed); d <= allowed {
		return 1 - 0.25*float64(d)
	}
	return 0
}

// Score is how well a text, given as its Words, matches the query words:
// the mean over the query words of the best Similarity to any text word,
// in [0, 1]. An empty query scores 0.
func Score(query, words []string) float64 {
	if len(query) == 0 {
		return 0
	}
	var sum float64
	for _, q := range query {
		best := 0.0
		for _, w := range words {
			if s := Similarity(q, w); s > best {
				best = s
				if best == 1 {
					break
				}
			}
		}
		sum += best
	}
	return sum / float64(len(query))
}
