package audit

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode"
)

// Filter selects records for Tail. Empty fields match everything.
type Filter struct {
	Agent string
	Tool  string
	// Denied keeps only refusals: denied by policy, or a confirmation that
	// was declined or could not be asked.
	Denied bool
	// Unfinished keeps only intents that no outcome record names: writes
	// that may have reached Atlas while the process stopped.
	Unfinished bool
	// Limit keeps the last Limit matches; 0 means all.
	Limit int

	unfinished map[uint64]bool // filled by Tail's first pass
}

// tailRecord is Record without Args: Tail never shows arguments (they are
// long and people grep the file for them), so it does not decode them.
type tailRecord struct {
	Time         string       `json:"time"`
	Seq          uint64       `json:"seq"`
	Kind         Kind         `json:"kind"`
	Intent       uint64       `json:"intent"`
	Agent        string       `json:"agent"`
	Tool         string       `json:"tool"`
	DryRun       bool         `json:"dryRun"`
	PlanHash     string       `json:"planHash"`
	Decision     Decision     `json:"decision"`
	Confirmation Confirmation `json:"confirmation"`
	Requests     []Request    `json:"requests"`
	Outcome      Outcome      `json:"outcome"`
	DurationMs   float64      `json:"ms"`
}

// Tail prints one readable line per matching record of the files, in order:
// time, seq, agent, tool, decision, confirmation, outcome, Atlas requests and
// duration. Lines that are not records (torn by a crash) are skipped; Tail
// does not verify — use Verify for that.
func Tail(w io.Writer, paths []string, f Filter) error {
	if f.Unfinished {
		f.unfinished = map[uint64]bool{}
		for _, p := range paths {
			err := eachRecord(p, func(r *tailRecord) error {
				switch r.Kind {
				case KindIntent:
					f.unfinished[r.Seq] = true
				case KindOutcome:
					if f.unfinished[r.Intent] && r.Outcome.Interrupted() {
						f.unfinished[r.Seq] = true // both: the outcome says why
					} else {
						delete(f.unfinished, r.Intent)
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
	}
	var ring []string // the last f.Limit lines, when limited
	next := 0
	bw := bufio.NewWriter(w)
	for _, p := range paths {
		err := eachRecord(p, func(r *tailRecord) error {
			if !f.match(r) {
				return nil
			}
			line := formatRecord(r)
			if f.Limit <= 0 {
				_, err := bw.WriteString(line)
				return err
			}
			if len(ring) < f.Limit {
				ring = append(ring, line)
			} else {
				ring[next] = line
				next = (next + 1) % f.Limit
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	for i := range ring {
		if _, err := bw.WriteString(ring[(next+i)%len(ring)]); err != nil {
			return fmt.Errorf("audit: tail: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("audit: tail: %w", err)
	}
	return nil
}

func eachRecord(path string, fn func(*tailRecord) error) error {
	file, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("audit: tail: %w", err)
	}
	defer file.Close()
	r := bufio.NewReaderSize(file, 64<<10)
	for {
		raw, err := r.ReadBytes('\n')
		if len(raw) > 0 {
			var rec tailRecord
			if json.Unmarshal(raw, &rec) == nil && rec.Seq > 0 {
				if werr := fn(&rec); werr != nil {
					return fmt.Errorf("audit: tail: %w", werr)
				}
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("audit: tail %s: %w", path, err)
		}
	}
}

func (f Filter) match(r *tailRecord) bool {
	if f.Unfinished && !f.unfinished[r.Seq] {
		return false
	}
	if f.Agent != "" && r.Agent != f.Agent {
		return false
	}
	if f.Tool != "" && r.Tool != f.Tool {
		return false
	}
	if f.Denied && r.Decision.Allow && !r.Confirmation.Refused() {
		return false
	}
	return true
}

// formatRecord renders one line. Every string from the record is made
// single-line and printable: arguments and Atlas messages are untrusted, and
// one record must never look like two.
func formatRecord(r *tailRecord) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s #%d %s %s", clean(r.Time), r.Seq, orDash(clean(r.Agent)), orDash(clean(r.Tool)))
	if r.DryRun {
		b.WriteString(" (dry-run)")
	}
	switch r.Kind {
	case KindIntent:
		fmt.Fprintf(&b, " INTENT plan=%s", orDash(clean(short(r.PlanHash))))
	case KindOutcome:
		fmt.Fprintf(&b, " outcome-of=#%d", r.Intent)
	}
	if r.Decision.Allow {
		fmt.Fprintf(&b, " allow[%s]", clean(r.Decision.Rule))
	} else {
		fmt.Fprintf(&b, " DENY[%s]", clean(r.Decision.Rule))
		if r.Decision.Reason != "" {
			fmt.Fprintf(&b, " %s", strconv.Quote(short(r.Decision.Reason)))
		}
	}
	if r.Confirmation != "" && r.Confirmation != ConfirmNotNeeded {
		fmt.Fprintf(&b, " confirm=%s", clean(string(r.Confirmation)))
	}
	if r.Outcome.OK {
		b.WriteString(" ok")
	} else {
		b.WriteString(" error")
		if r.Outcome.Status != 0 {
			fmt.Fprintf(&b, " %d", r.Outcome.Status)
		}
		if r.Outcome.ErrorCode != "" {
			fmt.Fprintf(&b, " %s", clean(r.Outcome.ErrorCode))
		}
		if r.Outcome.Message != "" {
			fmt.Fprintf(&b, " %s", strconv.Quote(short(r.Outcome.Message)))
		}
	}
	for _, q := range r.Requests {
		fmt.Fprintf(&b, " | %s %s %d %.0fms", clean(q.Method), clean(q.Path), q.Status, q.DurationMs)
		if q.Attempts > 1 {
			fmt.Fprintf(&b, " x%d", q.Attempts)
		}
	}
	fmt.Fprintf(&b, " (%.0fms)\n", r.DurationMs)
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// clean makes an identifier-like field printable and free of spaces.
func clean(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return '_'
		}
		return r
	}, s)
}

func short(s string) string {
	const max = 120
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}
