package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

// auditCommand: `audit verify FILE...` and `audit tail [filters] [FILE...]`.
func auditCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: atlas-mcp audit verify FILE... | atlas-mcp audit tail [--agent A] [--tool T] [--denied] [-n N] [FILE...]")
	}
	switch args[0] {
	case "verify":
		files := args[1:]
		if len(files) == 0 {
			return fmt.Errorf("usage: atlas-mcp audit verify FILE... (rotated files first, oldest to newest)")
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
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		files := fs.Args()
		if len(files) == 0 {
			p, err := audit.DefaultPath()
			if err != nil {
				return err
			}
			if files, err = audit.Files(p); err != nil {
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
