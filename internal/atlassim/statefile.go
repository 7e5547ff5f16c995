package atlassim

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// Persisted serves a Sim whose Atlas data lives in a file, so that separate
// processes (one `atlas-mcp --sandbox call` after another, or a CLI call
// beside a running sandbox server) see one Atlas. Each request, under an
// exclusive lock on a file beside the state: read the file and restore it if
// another process changed it, serve, and write the snapshot back if the
// request changed it, before the answer leaves. A missing file means the
// starting state (that is how a reset works).
type Persisted struct {
	sim      *Sim
	path     string
	lockPath string
	initial  []byte // the Sim's data when Persist was called: what a reset returns to

	mu   sync.Mutex // one request at a time in this process; the file lock orders processes
	last []byte     // the snapshot the Sim holds now, as it is in the file
}

// Persist wraps sim so its data is kept in path. It loads path now if it
// exists; an unreadable or foreign file is an error that names the file (the
// caller can tell the user to reset it).
func Persist(sim *Sim, path string) (*Persisted, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("sandbox state: %w", err)
	}
	initial, err := sim.Snapshot()
	if err != nil {
		return nil, err
	}
	p := &Persisted{sim: sim, path: path, lockPath: path + ".lock", initial: initial, last: initial}
	unlock, err := lockFile(p.lockPath)
	if err != nil {
		return nil, fmt.Errorf("sandbox state: locking %s: %w", p.lockPath, err)
	}
	defer unlock()
	if err := p.load(); err != nil {
		return nil, err
	}
	return p, nil
}

// Path is the state file.
func (p *Persisted) Path() string { return p.path }

// ResetState removes the state file at path, under its lock, so the next
// request of every sandbox starts again from the demo data. It reports
// whether there was anything to remove.
func ResetState(path string) (bool, error) {
	unlock, err := lockFile(path + ".lock")
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return false, nil
		}
		return false, fmt.Errorf("sandbox state: locking %s.lock: %w", path, err)
	}
	defer unlock()
	err = os.Remove(path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrNotExist):
		return false, nil
	default:
		return false, fmt.Errorf("sandbox state: %w", err)
	}
}

func (p *Persisted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasPrefix(r.URL.Path, "/api/oauth/") {
		// Tokens belong to this process; no Atlas data is read or changed.
		p.sim.ServeHTTP(w, r)
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	unlock, err := lockFile(p.lockPath)
	if err != nil {
		http.Error(w, "sandbox state: "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer unlock()
	if err := p.load(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	buf := &bufferedResponse{header: http.Header{}}
	p.sim.ServeHTTP(buf, r)
	if err := p.save(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	buf.copyTo(w)
}

// load brings the Sim up to the file: the file's state when it differs from
// what the Sim holds, the starting state when the file is gone.
func (p *Persisted) load() error {
	data, err := os.ReadFile(p.path)
	if errors.Is(err, fs.ErrNotExist) {
		data = p.initial
	} else if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	if bytes.Equal(data, p.last) {
		return nil
	}
	if err := p.sim.Restore(data); err != nil {
		return fmt.Errorf("sandbox state %s: %w (remove it, or run atlas-mcp sandbox reset)", p.path, err)
	}
	p.last = data
	return nil
}

// save writes the Sim's data when it changed (a write, or time settling a
// cluster), through a temporary file and a rename so a reader never sees half.
func (p *Persisted) save() error {
	data, err := p.sim.Snapshot()
	if err != nil {
		return err
	}
	if bytes.Equal(data, p.last) {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(p.path), filepath.Base(p.path)+".tmp*")
	if err != nil {
		return fmt.Errorf("sandbox state: %w", err)
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("sandbox state: %w", err)
	}
	if err := os.Rename(tmp.Name(), p.path); err != nil {
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("sandbox state: %w", err)
	}
	p.last = data
	return nil
}

// bufferedResponse holds an answer until the state is saved, so a client
// never sees a write acknowledged that the file does not have.
type bufferedResponse struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (b *bufferedResponse) Header() http.Header { return b.header }

func (b *bufferedResponse) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufferedResponse) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

func (b *bufferedResponse) copyTo(w http.ResponseWriter) {
	for k, vs := range b.header {
		w.Header()[k] = vs
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.body.Bytes())
}
