package caselibrary

import (
	"context"
	"database/sql"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"kidney3d/pipeline/jobqueue"
	"kidney3d/pipeline/typomatch"
)

// entries is the cases with the queue's say on their status and priority:
// a case whose newest job is queued or paused is Queued, running is
// Running; its priority is that of its newest job.
var entries = fmt.Sprintf(`WITH v AS (SELECT c.*,
		(SELECT j.state FROM jobs j WHERE j.dir = c.dir ORDER BY j.id DESC LIMIT 1) AS job_state,
		(SELECT j.priority FROM jobs j WHERE j.dir = c.dir ORDER BY j.id DESC LIMIT 1) AS job_priority
	FROM cases c)
	SELECT id, dir, name, study_uid, description, study_date, patient_name, patient_id, phases,
		CASE WHEN job_state IN ('%s', '%s') THEN '%s' WHEN job_state = '%s' THEN '%s' ELSE status END AS shown,
		reason, job_priority, assignee, tags, notes, versions, signed_by, signed_at, signed_sha256,
		signoff_note, changed, search_text FROM v`,
	jobqueue.Queued, jobqueue.Paused, Queued, jobqueue.Running, Running)

// scanEntries reads the rows of an entries query.
func scanEntries(rows *sql.Rows) ([]Entry, []string, error) {
	defer rows.Close()
	var out []Entry
	var texts []string
	for rows.Next() {
		var e Entry
		var phases, tags, by, at, sum, text string
		var prio sql.NullInt64
		var changed int64
		if err := rows.Scan(&e.ID, &e.Dir, &e.Name, &e.StudyUID, &e.Description, &e.StudyDate, &e.PatientName,
			&e.PatientID, &phases, &e.Status, &e.Reason, &prio, &e.Assignee, &tags, &e.Notes, &e.Versions,
			&by, &at, &sum, &e.SignoffNote, &changed, &text); err != nil {
			return nil, nil, err
		}
		e.Phases = split(phases)
		e.Tags = split(tags)
		if len(e.Tags) == 0 {
			e.Tags = nil
		}
		if prio.Valid {
			e.Priority = jobqueue.Priority(prio.Int64).String()
		}
		if by != "" {
			t, _ := time.Parse(time.RFC3339, at)
			e.SignedOff = &Mark{By: by, At: t, SHA256: sum, Labels: ""}
		}
		e.Changed = time.Unix(0, changed).UTC()
		out = append(out, e)
		texts = append(texts, text)
	}
	return out, texts, rows.Err()
}

func split(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

// List is the library's cases with the given status ("" for all), the
// most recently changed first.
func (l *Library) List(ctx context.Context, status string) ([]Entry, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT * FROM (`+entries+`) WHERE ? = '' OR shown = ? ORDER BY changed DESC, id`, status, status)
	if err != nil {
		return nil, err
	}
	out, _, err := scanEntries(rows)
	return out, err
}

// Get is the indexed case of a folder (an absolute path).
func (l *Library) Get(ctx context.Context, dir string) (Entry, error) {
	rows, err := l.db.QueryContext(ctx, `SELECT * FROM (`+entries+`) WHERE dir = ?`, dir)
	if err != nil {
		return Entry{}, err
	}
	out, _, err := scanEntries(rows)
	if err != nil {
		return Entry{}, err
	}
	if len(out) == 0 {
		return Entry{}, fmt.Errorf("%s: not in the library (kidney3d library add)", dir)
	}
	return out[0], nil
}

// Hit is a search result.
type Hit struct {
	Entry
	Score float64 `json:"score"`
}

// candidates is how many cases the trigram index hands to the edit-
// distance ranking.
const candidates = 400

// goodMatch is the score from which the trigram candidates are trusted:
// every query word within one typo of a word of the case. Below it, every
// case is ranked.
const goodMatch = 0.75

// Search finds the cases that best match a query typed from memory, best
// first, at most limit. The trigram index (SQLite FTS5) proposes the cases
// sharing most three-letter pieces with the query; they are ranked by
// typomatch.Score, plus small boosts for a status that asks for work and
// for a recent change, which only order near-equal matches. When no
// candidate matches well, every case is ranked.
func (l *Library) Search(ctx context.Context, query string, limit int) ([]Hit, error) {
	words := typomatch.Words(query)
	if len(words) == 0 {
		return nil, nil
	}
	var hits []Hit
	if match := trigramQuery(words); match != "" {
		rows, err := l.db.QueryContext(ctx, `SELECT * FROM (`+entries+`) WHERE id IN
			(SELECT rowid FROM case_text WHERE case_text MATCH ? ORDER BY rank LIMIT ?)`, match, candidates)
		if err != nil {
			return nil, err
		}
		if hits, err = rank(rows, words); err != nil {
			return nil, err
		}
	}
	if len(hits) == 0 || hits[0].Score < goodMatch {
		rows, err := l.db.QueryContext(ctx, entries)
		if err != nil {
			return nil, err
		}
		var err2 error
		if hits, err2 = rank(rows, words); err2 != nil {
			return nil, err2
		}
	}
	var out []Hit
	for _, h := range hits {
		if len(out) == limit || h.Score < minScore {
			break
		}
		out = append(out, h)
	}
	return out, nil
}

// minScore is the lowest score worth showing: half the query's words
// matched with a typo each.
const minScore = 0.375

// rank scores the cases of rows against the query words, best first.
func rank(rows *sql.Rows, words []string) ([]Hit, error) {
	es, texts, err := scanEntries(rows)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	hits := make([]Hit, len(es))
	for i, e := range es {
		s := typomatch.Score(words, typomatch.Words(texts[i]))
		if s > 0 {
			s += boost(e, now)
		}
		hits[i] = Hit{Entry: e, Score: s}
	}
	sort.SliceStable(hits, func(i, j int) bool {
		if hits[i].Score != hits[j].Score {
			return hits[i].Score > hits[j].Score
		}
		return hits[i].ID < hits[j].ID
	})
	return hits, nil
}

// statusBoost is how much a status asks for attention, in [0, 1].
var statusBoost = map[string]float64{
	NeedsReview: 1, Failed: 0.8, Running: 0.6, Queued: 0.6, Reviewed: 0.4, New: 0.3, SignedOff: 0,
}

// boost is at most 0.05, a fifth of one typo's cost: 0.03 for the status,
// 0.02 for a change today, halving every 30 days.
func boost(e Entry, now time.Time) float64 {
	days := now.Sub(e.Changed).Hours() / 24
	if days < 0 {
		days = 0
	}
	return 0.03*statusBoost[e.Status] + 0.02*math.Exp2(-days/30)
}

// trigramQuery is the FTS5 query matching any three-letter piece of the
// words ("" when no word has three letters).
func trigramQuery(words []string) string {
	seen := map[string]bool{}
	var parts []string
	for _, w := range words {
		r := []rune(w)
		for i := 0; i+3 <= len(r); i++ {
			t := string(r[i : i+3])
			if !seen[t] {
				seen[t] = true
				parts = append(parts, `"`+t+`"`)
			}
		}
	}
	return strings.Join(parts, " OR ")
}
