package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

// auditCommand: `audit verify FILE...` and `audit tail [filters] [FILE...]`.
// defaultLog names the log (with its rotated files) to read when no file is
// given; see defaultAuditFiles.
func auditCommand(args []string, defaultLog func() ([]string, error), stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: atlas-mcp audit verify [FILE...] | atlas-mcp audit tail [--agent A] [--tool T] [--denied] [-n N] [FILE...] (no FILE: the configured, default or sandbox log)")
	}
	switch args[0] {
	case "verify":
		files := args[1:]
		if len(files) == 0 {
			var err error
			if files, err = defaultLog(); err != nil {
				return err
			}
		}
		rep, err := audit.Verify(files...)
		if err != nil {
			return err
		}
		printReport(stdout, rep)
		if !rep.OK {
			return exitError{code: 1}
		}
		return nil
	case "tail":
		fs := flag.NewFlagSet("audit tail", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var f audit.Filter
		fs.StringVar(&f.Agent, "agent", "", "only this agent")
		fs.StringVar(&f.Tool, "tool", "", "only this tool")
		fs.BoolVar(&f.Denied, "denied", false, "only refused calls")
		fs.IntVar(&f.Limit, "n", 20, "how many records (0: all)")
		files, err := parseInterspersed(fs, args[1:])
		if err != nil {
			return err
		}
		if len(files) == 0 {
			if files, err = defaultLog(); err != nil {
				return err
			}
		}
		return audit.Tail(stdout, files, f)
	default:
		return fmt.Errorf("unknown audit command %q: use verify or tail", args[0])
	}
}

func printReport(w io.Writer, rep *audit.Report) {
	for _, t := range rep.Torn {
		fmt.Fprintf(w, "warning: %s (an interrupted write, not tampering)\n", t)
	}
	if rep.FirstBreak != nil {
		fmt.Fprintf(w, "BROKEN: %s\n%d record(s) verified before the break.\n", rep.FirstBreak, rep.Records)
		return
	}
	fmt.Fprintf(w, "OK: %d record(s) in %d file(s) verify; last sequence %d, last hash %s\n", rep.Records, rep.Files, rep.LastSeq, rep.LastHash)
}

// defaultAuditFiles finds the log `audit tail` and `audit verify` read when
// given no file: the configured one (--audit-log, ATLAS_MCP_AUDIT_LOG), the
// sandbox's with --sandbox, else the default log — or, when there is none,
// the sandbox's, since a newcomer's only calls are often sandbox calls. The
// one chosen is named on stderr, so nobody checks one log believing it is
// another.
func defaultAuditFiles(configured string, sandbox bool, stderr io.Writer) ([]string, error) {
	if configured != "" {
		fmt.Fprintf(stderr, "atlas-mcp: reading the configured audit log %s\n", configured)
		return audit.Files(configured)
	}
	// The state directory, or where openAudit falls back to when that is
	// unusable.
	dir := fallbackDir()
	if def, err := audit.DefaultPath(); err == nil {
		if _, err := os.Stat(filepath.Dir(def)); err == nil {
			dir = filepath.Dir(def)
		}
	}
	names := []string{"audit.jsonl", "sandbox-audit.jsonl"}
	if sandbox {
		names = names[1:]
	}
	var tried []string
	for _, name := range names {
		p := filepath.Join(dir, name)
		files, err := audit.Files(p)
		if err == nil {
			what := "the default audit log"
			if name != "audit.jsonl" {
				what = "the sandbox's audit log"
			}
			fmt.Fprintf(stderr, "atlas-mcp: reading %s %s\n", what, p)
			return files, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
		tried = append(tried, p)
	}
	return nil, fmt.Errorf("no audit log found (looked for %v); name the file, or set --audit-log / ATLAS_MCP_AUDIT_LOG", tried)
}
