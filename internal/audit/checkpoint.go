package audit

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"
)

// Checkpoints. Every CheckpointEvery records, every CheckpointInterval even
// when idle, and at Close, the Log signs the head of its Merkle tree as a
// C2SP tlog-checkpoint signed note:
//
//	<origin>
//	<size>
//	<base64 RFC 6962 root>
//	time <RFC 3339 UTC>
//
//	— <key name> <signature>
//
// and hands it to sinks that are not the log file. Someone who can write the
// log but not the sinks or the key can then no longer cut the tail, empty the
// file, or rewrite it with recomputed hashes unnoticed: every signed size and
// root must be reproduced by the log. The time line is an extension line
// (allowed by the format); it makes the heartbeat checkable, so silence is
// evidence too.

// Checkpoint defaults. The heartbeat is what `audit verify` assumes when not
// told otherwise.
const (
	DefaultCheckpointEvery    = 100
	DefaultCheckpointInterval = time.Minute
)

// Checkpoint is one signed tree head.
type Checkpoint struct {
	Origin string    `json:"origin"`
	Size   uint64    `json:"size"`
	Root   []byte    `json:"root"`
	Time   time.Time `json:"time"`
	// Note is the signed note; the other fields are a convenience for
	// people and log pipelines and are never trusted by Verify.
	Note string `json:"note"`
	// Range is the tree's compact range at Size (RFC 6962 subtree roots,
	// left to right). It is not signed, but its root must equal the signed
	// one, so it can be trusted once checked: it lets a writer resume, and
	// verify start, after the oldest rotated files were deleted.
	Range [][]byte `json:"range,omitempty"`
}

// checkpointLine is the JSON form in file, stderr and HTTP sinks.
type checkpointLine struct {
	Checkpoint *Checkpoint `json:"auditCheckpoint"`
}

// GenerateKey makes an Ed25519 signed-note key pair named name: skey for
// --audit-key, vkey for `audit verify --key`.
func GenerateKey(name string) (skey, vkey string, err error) {
	return note.GenerateKey(rand.Reader, name)
}

// NewSigner reads a private key written by GenerateKey.
func NewSigner(skey string) (note.Signer, error) {
	s, err := note.NewSigner(strings.TrimSpace(skey))
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoint key: %w", err)
	}
	return s, nil
}

// NewVerifier reads a verifier key written by GenerateKey.
func NewVerifier(vkey string) (note.Verifier, error) {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return nil, fmt.Errorf("audit: verifier key: %w", err)
	}
	return v, nil
}

func signCheckpoint(s note.Signer, t *tree, at time.Time) (Checkpoint, error) {
	size, root := t.size(), t.root()
	cp := Checkpoint{Origin: s.Name(), Size: size, Root: root, Time: at.UTC()}
	for _, h := range t.r.Hashes() {
		cp.Range = append(cp.Range, append([]byte(nil), h...))
	}
	body := log.Checkpoint{Origin: cp.Origin, Size: size, Hash: root}.Marshal()
	body = append(body, "time "+cp.Time.Format(time.RFC3339Nano)+"\n"...)
	msg, err := note.Sign(&note.Note{Text: string(body)}, s)
	if err != nil {
		return Checkpoint{}, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	cp.Note = string(msg)
	return cp, nil
}

// openCheckpoint checks a signed note against v and parses its body.
func openCheckpoint(msg []byte, v note.Verifier) (Checkpoint, error) {
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		return Checkpoint{}, err
	}
	var c log.Checkpoint
	rest, err := c.Unmarshal([]byte(n.Text))
	if err != nil {
		return Checkpoint{}, err
	}
	if c.Origin != v.Name() {
		return Checkpoint{}, fmt.Errorf("origin %q is not the key's name %q", c.Origin, v.Name())
	}
	cp := Checkpoint{Origin: c.Origin, Size: c.Size, Root: c.Hash, Note: string(msg)}
	for _, l := range strings.Split(string(rest), "\n") {
		if t, ok := strings.CutPrefix(l, "time "); ok {
			if cp.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
				return Checkpoint{}, fmt.Errorf("time line: %w", err)
			}
		}
	}
	return cp, nil
}

// Sink receives checkpoints. Write must not keep cp.
type Sink interface {
	Write(ctx context.Context, cp Checkpoint) error
	String() string
}

// ParseSinks turns the --audit-checkpoints value into sinks: a comma-separated
// list of "stderr", http(s):// URLs (POSTed one JSON object per checkpoint),
// directories (one signed note file per checkpoint) and file paths (JSON
// lines appended and fsynced).
func ParseSinks(spec string, stderr io.Writer) ([]Sink, error) {
	var out []Sink
	for _, s := range strings.Split(spec, ",") {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
		case s == "stderr":
			out = append(out, &WriterSink{W: stderr, Name: "stderr"})
		case strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://"):
			out = append(out, &HTTPSink{URL: s})
		default:
			if st, err := os.Stat(s); (err == nil && st.IsDir()) || strings.HasSuffix(s, string(filepath.Separator)) {
				out = append(out, &DirSink{Dir: filepath.Clean(s)})
			} else {
				out = append(out, &FileSink{Path: s})
			}
		}
	}
	return out, nil
}

// WriterSink writes one JSON line per checkpoint (stderr for a cluster's log
// pipeline). Verify can read such a capture: lines that are not checkpoints
// are skipped.
type WriterSink struct {
	W    io.Writer
	Name string
	mu   sync.Mutex
}

func (s *WriterSink) Write(_ context.Context, cp Checkpoint) error {
	b, err := json.Marshal(checkpointLine{&cp})
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err = s.W.Write(append(b, '\n'))
	return err
}

func (s *WriterSink) String() string { return s.Name }

// FileSink appends JSON lines to a file, fsynced: put it on another volume
// than the log, or on one the log's writer cannot rewrite.
type FileSink struct{ Path string }

func (s *FileSink) Write(_ context.Context, cp Checkpoint) error {
	b, err := json.Marshal(checkpointLine{&cp})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(s.Path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(s.Path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *FileSink) String() string { return s.Path }

// DirSink writes each checkpoint as its own signed note file, named so that
// names sort by time: for object stores and append-only volumes.
type DirSink struct{ Dir string }

func (s *DirSink) Write(_ context.Context, cp Checkpoint) error {
	name := filepath.Join(s.Dir, fmt.Sprintf("checkpoint.%s.%020d", cp.Time.UTC().Format(rotatedLayout), cp.Size))
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(cp.Note); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (s *DirSink) String() string { return s.Dir }

// HTTPSink POSTs each checkpoint as one JSON object.
type HTTPSink struct {
	URL    string
	Client *http.Client // nil: a client with a 10 s timeout
}

func (s *HTTPSink) Write(ctx context.Context, cp Checkpoint) error {
	b, err := json.Marshal(checkpointLine{&cp})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	c := s.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("POST %s: %s", s.URL, resp.Status)
	}
	return nil
}

func (s *HTTPSink) String() string { return s.URL }

// ReadCheckpoints reads every signed note from path: a directory of note
// files, a single note file, or a JSON-lines file (a FileSink, or a capture of
// stderr in which other lines are skipped). Signatures are not checked here.
func ReadCheckpoints(path string) ([][]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoints: %w", err)
	}
	if st.IsDir() {
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, fmt.Errorf("audit: checkpoints: %w", err)
		}
		var out [][]byte
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			more, err := ReadCheckpoints(filepath.Join(path, e.Name()))
			if err != nil {
				return nil, err
			}
			out = append(out, more...)
		}
		return out, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoints: %w", err)
	}
	if !bytes.Contains(data, []byte(`{"auditCheckpoint"`)) {
		return [][]byte{data}, nil // one signed note
	}
	var out [][]byte
	for _, l := range bytes.Split(data, []byte("\n")) {
		var cl checkpointLine
		if i := bytes.Index(l, []byte(`{"auditCheckpoint"`)); i >= 0 {
			l = l[i:] // a log pipeline may prefix lines
		}
		if json.Unmarshal(l, &cl) == nil && cl.Checkpoint != nil && cl.Checkpoint.Note != "" {
			out = append(out, []byte(cl.Checkpoint.Note))
		}
	}
	return out, nil
}

// ReadCheckpointRanges reads the compact ranges that JSON checkpoint lines
// carry, keyed by their note, for AnchorOptions.Ranges.
func ReadCheckpointRanges(path string) (map[string][][]byte, error) {
	out := map[string][][]byte{}
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoints: %w", err)
	}
	if st.IsDir() {
		return out, nil // note files carry no range
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit: checkpoints: %w", err)
	}
	for _, l := range bytes.Split(data, []byte("\n")) {
		if i := bytes.Index(l, []byte(`{"auditCheckpoint"`)); i >= 0 {
			var cl checkpointLine
			if json.Unmarshal(l[i:], &cl) == nil && cl.Checkpoint != nil && len(cl.Checkpoint.Range) > 0 {
				out[cl.Checkpoint.Note] = cl.Checkpoint.Range
			}
		}
	}
	return out, nil
}

// fileCheckpoints are the checkpoints the file and directory sinks hold,
// read without a verifier (the writer has only the signer): so that a
// server that starts on a log shorter than what it signed says so, and can
// carry its tree on after old files were deleted.
func fileCheckpoints(sinks []Sink) []Checkpoint {
	var out []Checkpoint
	for _, s := range sinks {
		var path string
		switch x := s.(type) {
		case *FileSink:
			path = x.Path
		case *DirSink:
			path = x.Dir
		default:
			continue
		}
		notes, err := ReadCheckpoints(path)
		if err != nil {
			continue
		}
		ranges, _ := ReadCheckpointRanges(path)
		for _, n := range notes {
			if cp, err := parseUnverified(n); err == nil {
				cp.Note, cp.Range = string(n), ranges[string(n)]
				out = append(out, cp)
			}
		}
	}
	return out
}

func parseUnverified(msg []byte) (Checkpoint, error) {
	text, _, ok := bytes.Cut(msg, []byte("\n\n"))
	if !ok {
		return Checkpoint{}, errors.New("not a signed note")
	}
	var c log.Checkpoint
	rest, err := c.Unmarshal(append(text, '\n'))
	if err != nil {
		return Checkpoint{}, err
	}
	cp := Checkpoint{Origin: c.Origin, Size: c.Size, Root: c.Hash}
	for _, l := range strings.Split(string(rest), "\n") {
		if t, ok := strings.CutPrefix(l, "time "); ok {
			cp.Time, _ = time.Parse(time.RFC3339Nano, t)
		}
	}
	return cp, nil
}
