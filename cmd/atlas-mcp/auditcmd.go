package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

const auditUsage = "usage: atlas-mcp audit keygen FILE | atlas-mcp audit verify [--key FILE.pub --checkpoints PATH] [--strict] FILE... | atlas-mcp audit prove --key FILE.pub --checkpoints PATH SEQ [FILE...] | atlas-mcp audit tail [--agent A] [--tool T] [--denied] [--unfinished] [-n N] [FILE...]"

// auditCommand: `audit keygen|verify|prove|tail`.
// defaultLog names the log (with its rotated files) to read when no file is
// given; see defaultAuditFiles.
func auditCommand(args []string, defaultLog func() ([]string, error), stdout, stderr io.Writer, env func(string) (string, bool)) error {
	if len(args) == 0 {
		return fmt.Errorf("%s", auditUsage)
	}
	switch args[0] {
	case "keygen":
		return auditKeygen(args[1:], stdout, stderr)
	case "verify":
		return auditVerify(args[1:], defaultLog, stdout, stderr)
	case "prove":
		return auditProve(args[1:], defaultLog, stdout, stderr, env)
	case "tail":
		fs := flag.NewFlagSet("audit tail", flag.ContinueOnError)
		fs.SetOutput(stderr)
		var f audit.Filter
		fs.StringVar(&f.Agent, "agent", "", "only this agent")
		fs.StringVar(&f.Tool, "tool", "", "only this tool")
		fs.BoolVar(&f.Denied, "denied", false, "only refused calls (policy, declined, unavailable or timed-out confirmation)")
		fs.BoolVar(&f.Unfinished, "unfinished", false, "only writes whose intent has no outcome (interrupted between sending and answering)")
		fs.IntVar(&f.Limit, "n", 20, "how many records (0: all)")
		if err := fs.Parse(args[1:]); err != nil {
			return err
		}
		files, err := logFiles(fs.Args(), defaultLog)
		if err != nil {
			return err
		}
		return audit.Tail(stdout, files, f)
	default:
		return fmt.Errorf("unknown audit command %q: use keygen, verify, prove or tail", args[0])
	}
}

// logFiles are the files given, or the configured, default or sandbox log.
func logFiles(given []string, defaultLog func() ([]string, error)) ([]string, error) {
	if len(given) > 0 {
		return given, nil
	}
	return defaultLog()
}

func auditKeygen(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit keygen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	name := fs.String("name", "atlas-mcp-audit", "key name, which is also the checkpoints' origin line")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return fmt.Errorf("usage: atlas-mcp audit keygen [--name NAME] FILE (writes the private key to FILE and the verifier key to FILE.pub)")
	}
	file := fs.Arg(0)
	skey, vkey, err := audit.GenerateKey(*name)
	if err != nil {
		return err
	}
	// O_EXCL: overwriting a key would orphan every checkpoint it signed.
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("audit keygen: %w", err)
	}
	if _, err := f.WriteString(skey + "\n"); err != nil {
		f.Close()
		return fmt.Errorf("audit keygen: %w", err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("audit keygen: %w", err)
	}
	if err := os.WriteFile(file+".pub", []byte(vkey+"\n"), 0o644); err != nil {
		return fmt.Errorf("audit keygen: %w", err)
	}
	fmt.Fprintf(stdout, "private key (for --audit-key / ATLAS_MCP_AUDIT_KEY): %s\nverifier key (for audit verify --key): %s.pub\n%s\n", file, file, vkey)
	return nil
}

// anchorFlags are the flags verify and prove share.
type anchorFlags struct {
	key, checkpoints string
	interval         time.Duration
	every            int
	retained         bool
}

func (a *anchorFlags) add(fs *flag.FlagSet, env func(string) (string, bool)) {
	cps, _ := env("ATLAS_MCP_AUDIT_CHECKPOINTS")
	fs.StringVar(&a.key, "key", "", "verifier key (FILE.pub from audit keygen)")
	fs.StringVar(&a.checkpoints, "checkpoints", cps, "checkpoint file or directory (default ATLAS_MCP_AUDIT_CHECKPOINTS)")
	fs.DurationVar(&a.interval, "checkpoint-interval", audit.DefaultCheckpointInterval, "the server's --audit-checkpoint-interval (heartbeat)")
	fs.IntVar(&a.every, "checkpoint-every", audit.DefaultCheckpointEvery, "the most records the server writes between checkpoints")
	fs.BoolVar(&a.retained, "retained", false, "the oldest log files were deleted on purpose: prove the rest from the oldest checkpoint that carries its tree state")
}

func (a *anchorFlags) options() (audit.AnchorOptions, error) {
	o := audit.AnchorOptions{Interval: a.interval, Every: a.every, Retained: a.retained, Ranges: map[string][][]byte{}}
	vkey, err := os.ReadFile(a.key)
	if err != nil {
		return o, fmt.Errorf("--key: %w", err)
	}
	if o.Verifier, err = audit.NewVerifier(string(vkey)); err != nil {
		return o, fmt.Errorf("--key %s: %w", a.key, err)
	}
	var paths []string
	for _, p := range strings.Split(a.checkpoints, ",") {
		// stderr and URLs are sinks a server writes to, not places to read.
		if p = strings.TrimSpace(p); p != "" && p != "stderr" && !strings.Contains(p, "://") {
			paths = append(paths, p)
		}
	}
	if len(paths) == 0 {
		return o, fmt.Errorf("--checkpoints: give the checkpoint file or directory (a capture of the stderr or HTTP sink works too)")
	}
	for _, p := range paths {
		notes, err := audit.ReadCheckpoints(p)
		if err != nil {
			return o, err
		}
		o.Checkpoints = append(o.Checkpoints, notes...)
		ranges, err := audit.ReadCheckpointRanges(p)
		if err != nil {
			return o, err
		}
		for k, v := range ranges {
			o.Ranges[k] = v
		}
	}
	return o, nil
}

func auditVerify(args []string, defaultLog func() ([]string, error), stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var a anchorFlags
	a.add(fs, func(string) (string, bool) { return "", false }) // explicit only: verify without a key must stay possible
	strict := fs.Bool("strict", false, "exit 1 when an intent has no outcome too")
	if err := fs.Parse(args); err != nil {
		return err
	}
	files, err := logFiles(fs.Args(), defaultLog)
	if err != nil {
		return err
	}
	var rep *audit.Report
	switch {
	case a.key != "":
		o, oerr := a.options()
		if oerr != nil {
			return oerr
		}
		rep, err = audit.VerifyAnchored(o, files...)
	case a.checkpoints != "":
		return fmt.Errorf("--checkpoints needs --key FILE.pub: a checkpoint is only evidence once its signature is checked")
	default:
		rep, err = audit.Verify(files...)
	}
	if err != nil {
		return err
	}
	printReport(stdout, rep, a.key != "")
	if !rep.OK || (*strict && len(rep.Unfinished) > 0) {
		return exitError{code: 1}
	}
	return nil
}

func printReport(w io.Writer, rep *audit.Report, anchored bool) {
	for _, t := range rep.Torn {
		if !t.Acknowledged {
			fmt.Fprintf(w, "warning: %s (an interrupted write, not tampering)\n", t)
		}
	}
	if len(rep.Chains) > 1 {
		for i, c := range rep.Chains {
			note := ""
			if i > 0 {
				note = " (a separate log: it starts again from record 1, it does not continue the chain before it)"
			}
			fmt.Fprintf(w, "chain %d: records %d–%d in %s%s\n", i+1, c.FirstSeq, c.LastSeq, strings.Join(c.Files, ", "), note)
		}
	}
	for _, p := range rep.Problems {
		fmt.Fprintf(w, "TAMPERED: %s\n", p.Reason)
	}
	for _, u := range rep.Unfinished {
		why := "the write was recorded as about to be sent, and no outcome follows (the server stopped between sending and answering)"
		if u.OutcomeSeq != 0 {
			why = fmt.Sprintf("its outcome, record %d, says %s: the call was cut short (shutdown or a host that left) before Atlas's answer or before the operation finished", u.OutcomeSeq, u.Code)
		}
		fmt.Fprintf(w, "UNFINISHED: record %d at %s: agent %s, tool %s, plan %s: %s; check Atlas for its effect\n",
			u.Seq, u.Time, orDash(u.Agent), orDash(u.Tool), orDash(u.PlanHash), why)
	}
	if rep.FirstBreak != nil {
		fmt.Fprintf(w, "BROKEN: %s\n%d record(s) verified before the break.\n", rep.FirstBreak, rep.Records)
		return
	}
	if !rep.OK {
		fmt.Fprintf(w, "NOT OK: %d record(s) in %d file(s) chain correctly, but the checkpoints show the log is not what was signed.\n", rep.Records, rep.Files)
		return
	}
	fmt.Fprintf(w, "OK: %d record(s) in %d file(s) verify; last sequence %d, last hash %s\n", rep.Records, rep.Files, rep.LastSeq, rep.LastHash)
	if anchored {
		if rep.RetainedFrom > 0 {
			fmt.Fprintf(w, "note: records 1–%d are not in the files given (retention); the rest is proven from the checkpoint of size %d, and earlier checkpoints are not checked against records\n", rep.RetainedFrom, rep.RetainedFrom)
		}
		fmt.Fprintf(w, "OK: %d signed checkpoint(s) verify and the log reproduces each one it reaches\n", rep.Checkpoints)
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func auditProve(args []string, defaultLog func() ([]string, error), stdout, stderr io.Writer, env func(string) (string, bool)) error {
	fs := flag.NewFlagSet("audit prove", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var a anchorFlags
	a.add(fs, env)
	check := fs.String("check", "", "check a proof FILE written by audit prove (needs only --key)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *check != "" {
		return auditCheckProof(*check, a.key, stdout)
	}
	if fs.NArg() < 1 || a.key == "" {
		return fmt.Errorf("usage: atlas-mcp audit prove --key FILE.pub --checkpoints PATH SEQ [FILE...]; check with atlas-mcp audit prove --key FILE.pub --check PROOF")
	}
	seq, err := strconv.ParseUint(fs.Arg(0), 10, 64)
	if err != nil || seq == 0 {
		return fmt.Errorf("audit prove: %q is not a record sequence number", fs.Arg(0))
	}
	files, err := logFiles(fs.Args()[1:], defaultLog)
	if err != nil {
		return err
	}
	o, err := a.options()
	if err != nil {
		return err
	}
	p, err := audit.Prove(o, seq, files...)
	if err != nil {
		return err
	}
	b, err := audit.MarshalProof(p)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", b)
	fmt.Fprintf(stderr, "Inclusion proof of record %d in the first %d records signed by the checkpoint above.\nCheck it with: atlas-mcp audit prove --key %s --check PROOF.json\n(or any RFC 6962 verifier: leaf = SHA-256(0x00 ‖ record), index %d, tree size %d, root in the signed note)\n",
		seq, p.TreeSize, a.key, p.LeafIndex, p.TreeSize)
	return nil
}

func auditCheckProof(file, key string, stdout io.Writer) error {
	if key == "" {
		return fmt.Errorf("--check needs --key FILE.pub")
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	var p audit.Proof
	if err := json.Unmarshal(data, &p); err != nil {
		return fmt.Errorf("%s is not a proof: %w", file, err)
	}
	vkey, err := os.ReadFile(key)
	if err != nil {
		return fmt.Errorf("--key: %w", err)
	}
	v, err := audit.NewVerifier(string(vkey))
	if err != nil {
		return err
	}
	cp, err := audit.CheckProof(&p, audit.AnchorOptions{Verifier: v})
	if err != nil {
		fmt.Fprintf(stdout, "INVALID: %v\n", err)
		return exitError{code: 1}
	}
	fmt.Fprintf(stdout, "OK: record %d is in the log %s signed at %s (size %d)\n", p.Seq, cp.Origin, cp.Time.UTC().Format(time.RFC3339), cp.Size)
	return nil
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
