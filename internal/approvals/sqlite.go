package approvals

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // pure Go: the binary stays static
)

// openSQLite opens (creating) the store file. WAL lets the server, `approvals
// serve` and the CLI read while one writes; the busy timeout makes a writer
// wait for another instead of failing; immediate transactions take the write
// lock up front so two processes cannot both read-then-write.
func openSQLite(ctx context.Context, path string) (Store, error) {
	if path == "" {
		return nil, fmt.Errorf("approvals store: sqlite: needs a file path (sqlite:/var/lib/atlas-mcp/approvals.db)")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("approvals store: %w", err)
	}
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(10000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("approvals store: open %s: %w", path, err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("approvals store: open %s: %w", path, err)
	}
	s := &sqlStore{db: db, poll: 300 * time.Millisecond}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	// The file holds pending plans (redacted) and session hashes: only its owner reads it.
	_ = os.Chmod(path, 0o600)
	return s, nil
}
