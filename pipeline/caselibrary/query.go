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
	"kidney3d/pipeline/librarydb"
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
		signoff_note, changed FROM v`,
	jobqueue.Queued, jobqueue.Paused, Queued, jobqueue.Running, Running)

// scanEntry reads a row of an entries query.
func scanEntry(rows *sql.Rows) (Entry, error) {
	var e Entry
	var phases, tags, by, at, sum string
	var prio sql.NullInt64
	var changed int64
	if err := rows.Scan(&e.ID, &e.Dir, &e.Name, &e.StudyUID, &e.Description, &e.StudyDate, &e.PatientName,
		&e.PatientID, &phases, &e.Status, &e.Reason, &prio, &e.Assignee, &tags, &e.Notes, &e.Versions,
		&by, &at, &sum, &e.SignoffNote, &changed); err != nil {
		return Entry{}, err
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
	return e, nil
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
	return librarydb.Query(ctx, l.db, scanEntry, `SELECT * FROM (`+entries+`) WHERE ? = '' OR shown = ? ORDER BY changed DESC, id`, status, status)
}

// Get is the indexed case of a folder (an absolute path).
func (l *Library) Get(ctx context.Context, dir string) (Entry, error) {
	return librarydb.One(ctx, l.db, scanEntry, func() error {
		return fmt.Errorf("%s: not in the library (kidney3d library add)", dir)
	}, `SELECT * FROM (`+entries+`) WHERE dir = ?`, dir)
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
	if len(words) == 0 || limit <= 0 {
		return nil, nil
	}
	var ranked []scored
	if match := trigramQuery(words); match != "" {
		var err error
		ranked, err = l.rank(ctx, words, `SELECT id, status, changed, search_text FROM cases WHERE id IN
			(SELECT rowid FROM case_text WHERE case_text MATCH ? ORDER BY rank LIMIT ?)`, match, candidates)
		if err != nil {
			return nil, err
		}
	}
	if len(ranked) == 0 || ranked[0].score < goodMatch {
		var err error
		if ranked, err = l.rank(ctx, words, `SELECT id, status, changed, search_text FROM cases`); err != nil {
			return nil, err
		}
	}
	var ids []any
	score := map[int64]float64{}
	for _, r := range ranked {
		if len(ids) == limit || r.score < minScore {
			break
		}
		ids = append(ids, r.id)
		score[r.id] = r.score
	}
	if len(ids) == 0 {
		return nil, nil
	}
	es, err := librarydb.Query(ctx, l.db, scanEntry, `SELECT * FROM (`+entries+`) WHERE id IN (?`+strings.Repeat(",?", len(ids)-1)+`)`, ids...)
	if err != nil {
		return nil, err
	}
	out := make([]Hit, len(es))
	for i, e := range es {
		out[i] = Hit{Entry: e, Score: score[e.ID]}
	}
	sort.Slice(out, func(i, j int) bool { return better(out[i].Score, out[i].ID, out[j].Score, out[j].ID) })
	return out, nil
}

// minScore is the lowest score worth showing: half the query's words
// matched with a typo each.
const minScore = 0.375

// scored is a case's score.
type scored struct {
	id    int64
	score float64
}

// better orders scores high to low, then cases by ID.
func better(s1 float64, id1 int64, s2 float64, id2 int64) bool {
	if s1 != s2 {
		return s1 > s2
	}
	return id1 < id2
}

// rank scores the cases a query (id, status, changed, search_text) gives,
// best first.
func (l *Library) rank(ctx context.Context, words []string, query string, args ...any) ([]scored, error) {
	rows, err := l.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	now := time.Now()
	var out []scored
	for rows.Next() {
		var id, changed int64
		var status, text string
		if err := rows.Scan(&id, &status, &changed, &text); err != nil {
			return nil, err
		}
		if s := typomatch.Score(words, typomatch.Words(text)); s > 0 {
			out = append(out, scored{id, s + boost(status, time.Unix(0, changed), now)})
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return better(out[i].score, out[i].id, out[j].score, out[j].id) })
	return out, nil
}

// statusBoost is how much a status asks for attention, in [0, 1].
var statusBoost = map[string]float64{
	NeedsReview: 1, Failed: 0.8, Running: 0.6, Queued: 0.6, Reviewed: 0.4, New: 0.3, SignedOff: 0,
}

// boost is at most 0.05, a fifth of one typo's cost: 0.03 for the status,
// 0.02 for a change today, halving every 30 days.
func boost(status string, changed, now time.Time) float64 {
	days := now.Sub(changed).Hours() / 24
	if days < 0 {
		days = 0
	}
	return 0.03*statusBoost[status] + 0.02*math.Exp2(-days/30)
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
