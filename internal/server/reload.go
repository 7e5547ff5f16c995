package server

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
	"go.uber.org/zap"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

// PolicyWatcher reloads the policy without a restart: on a signal (SIGHUP)
// and whenever the file changes. A new file is loaded and validated in full
// before it replaces the old one; a file that does not load leaves the old
// policy in force and says why.
type PolicyWatcher struct {
	Server *Server
	// Path is the policy file; Load reads and validates it (the same way
	// the process did at start).
	Path string
	Load func() (*policy.Policy, error)
	// Stderr gets one line per reload, for the operator at the terminal.
	Stderr io.Writer
	// Debounce gathers the burst of events one save or one ConfigMap update
	// makes into one reload (default 200ms).
	Debounce time.Duration
}

// Run watches until ctx ends. It watches the file's directory, not the file:
// editors replace a file by renaming a new one over it, and Kubernetes
// updates a mounted ConfigMap by swapping the ..data symlink the file points
// through — neither is an event on the old file. Any event in the directory
// triggers a reload, and a reload whose file hashes the same as the policy in
// force changes nothing.
func (w *PolicyWatcher) Run(ctx context.Context, signals <-chan os.Signal) error {
	fw, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("policy watcher: %w", err)
	}
	defer fw.Close()
	dir := filepath.Dir(w.Path)
	if err := fw.Add(dir); err != nil {
		return fmt.Errorf("policy watcher: watching %s: %w", dir, err)
	}
	debounce := w.Debounce
	if debounce <= 0 {
		debounce = 200 * time.Millisecond
	}
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-signals:
			w.Reload("signal")
		case ev, ok := <-fw.Events:
			if !ok {
				return nil
			}
			if ev.Op == fsnotify.Chmod {
				continue
			}
			timer.Reset(debounce)
		case err, ok := <-fw.Errors:
			if !ok {
				return nil
			}
			w.Server.log.Warn("policy watcher", zap.Error(err))
		case <-timer.C:
			w.Reload("file change")
		}
	}
}

// Reload loads the file and, if it is valid and differs from the policy in
// force, swaps it in. It reports whether the policy changed.
func (w *PolicyWatcher) Reload(why string) bool {
	p, err := w.Load()
	if err != nil {
		w.Server.PolicyRejected(w.Path, err)
		w.printf("atlas-mcp: policy reload (%s) refused, keeping policy %s: %v\n", why, w.Server.PolicyHash(), err)
		return false
	}
	if p.Hash() == w.Server.PolicyHash() {
		return false
	}
	if err := w.Server.SwapPolicy(p); err != nil {
		w.Server.PolicyRejected(w.Path, err)
		w.printf("atlas-mcp: policy reload (%s) refused, keeping policy %s: %v\n", why, w.Server.PolicyHash(), err)
		return false
	}
	w.printf("atlas-mcp: policy reloaded (%s) from %s: policy %s in force\n", why, w.Path, p.Hash())
	return true
}

func (w *PolicyWatcher) printf(format string, args ...any) {
	if w.Stderr != nil {
		fmt.Fprintf(w.Stderr, format, args...)
	}
}
