package approvals

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Store keeps approval requests and short-lived one-time state (confirmation
// tokens, elicitation state, console sessions) where every process and
// replica that serves the same users can see them.
type Store interface {
	Create(ctx context.Context, r *Request) error
	Get(ctx context.Context, id string) (*Request, error)
	// List returns requests, newest first; with statuses, only those.
	List(ctx context.Context, limit int, statuses ...Status) ([]*Request, error)
	// Update applies fn to the current request and stores the result
	// atomically: a concurrent change makes it re-read and apply fn again.
	// An error from fn aborts the update and is returned.
	Update(ctx context.Context, id string, fn func(*Request) error) (*Request, error)

	// PutState stores a value under a key until it expires.
	PutState(ctx context.Context, key string, value []byte, expires time.Time) error
	// GetState returns a live value.
	GetState(ctx context.Context, key string, now time.Time) ([]byte, bool, error)
	// TakeState removes and returns a live value: at most one caller gets it.
	TakeState(ctx context.Context, key string, now time.Time) ([]byte, bool, error)
	DeleteState(ctx context.Context, key string) error

	// Changes delivers the IDs of requests changed by any process sharing
	// the store (best effort: SQLite only sees its own process, so waiters
	// also poll). The returned func unsubscribes.
	Changes() (<-chan string, func())
	// PollInterval is how often a waiter re-reads when no change arrives.
	PollInterval() time.Duration
	Close() error
}

// Open opens a store from its URL: "sqlite:PATH" or "postgres://…"
// (also "postgresql://…").
func Open(ctx context.Context, url string) (Store, error) {
	switch {
	case strings.HasPrefix(url, "sqlite:"):
		return openSQLite(ctx, strings.TrimPrefix(url, "sqlite:"))
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return openPostgres(ctx, url)
	default:
		return nil, fmt.Errorf("approvals store %q: use sqlite:PATH or a postgres:// URL", redactURL(url))
	}
}

// redactURL hides a password in a store URL for error messages.
func redactURL(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			if c := strings.Index(rest[:at], ":"); c >= 0 {
				return u[:i+3] + rest[:c] + ":***" + rest[at:]
			}
		}
	}
	return u
}

// sqlStore is the one implementation over database/sql; the dialects differ
// only in placeholders, DDL details and how changes are announced.
type sqlStore struct {
	db       *sql.DB
	postgres bool
	poll     time.Duration
	// notify announces a change to other processes (PostgreSQL NOTIFY); nil
	// for SQLite.
	notify  func(ctx context.Context, id string)
	closeFn func() error

	hub hub
}

const schemaSQL = `
CREATE TABLE IF NOT EXISTS atlas_mcp_approvals (
  id         TEXT PRIMARY KEY,
  status     TEXT NOT NULL,
  version    BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  doc        TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS atlas_mcp_approvals_status ON atlas_mcp_approvals (status, created_at);
CREATE TABLE IF NOT EXISTS atlas_mcp_state (
  key        TEXT PRIMARY KEY,
  value      TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);`

func (s *sqlStore) migrate(ctx context.Context) error {
	for _, stmt := range splitSQL(schemaSQL) {
		if _, err := s.db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("approvals store: create tables: %w", err)
		}
	}
	return nil
}

func splitSQL(script string) []string {
	var out []string
	for _, stmt := range strings.Split(script, ";") {
		if strings.TrimSpace(stmt) != "" {
			out = append(out, stmt)
		}
	}
	return out
}

// q rewrites ? placeholders to $n for PostgreSQL.
func (s *sqlStore) q(query string) string {
	if !s.postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString("$" + strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func (s *sqlStore) Create(ctx context.Context, r *Request) error {
	doc, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("approvals store: %w", err)
	}
	_, err = s.db.ExecContext(ctx, s.q(`INSERT INTO atlas_mcp_approvals (id, status, version, created_at, expires_at, doc) VALUES (?, ?, 1, ?, ?, ?)`),
		r.ID, string(r.Status), r.CreatedAt.UnixNano(), r.ExpiresAt.UnixNano(), string(doc))
	if err != nil {
		return fmt.Errorf("approvals store: create %s: %w", r.ID, err)
	}
	s.changed(ctx, r.ID)
	return nil
}

func (s *sqlStore) get(ctx context.Context, id string) (*Request, int64, error) {
	var doc string
	var version int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT doc, version FROM atlas_mcp_approvals WHERE id = ?`), id).Scan(&doc, &version)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, 0, fmt.Errorf("%s: %w", id, ErrNotFound)
	}
	if err != nil {
		return nil, 0, fmt.Errorf("approvals store: read %s: %w", id, err)
	}
	var r Request
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, 0, fmt.Errorf("approvals store: decode %s: %w", id, err)
	}
	return &r, version, nil
}

func (s *sqlStore) Get(ctx context.Context, id string) (*Request, error) {
	r, _, err := s.get(ctx, id)
	return r, err
}

func (s *sqlStore) List(ctx context.Context, limit int, statuses ...Status) ([]*Request, error) {
	if limit <= 0 {
		limit = 100
	}
	query := `SELECT doc FROM atlas_mcp_approvals`
	var args []any
	if len(statuses) > 0 {
		query += ` WHERE status IN (` + strings.TrimSuffix(strings.Repeat("?, ", len(statuses)), ", ") + `)`
		for _, st := range statuses {
			args = append(args, string(st))
		}
	}
	query += ` ORDER BY created_at DESC LIMIT ` + strconv.Itoa(limit)
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("approvals store: list: %w", err)
	}
	defer rows.Close()
	var out []*Request
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("approvals store: list: %w", err)
		}
		var r Request
		if err := json.Unmarshal([]byte(doc), &r); err != nil {
			return nil, fmt.Errorf("approvals store: list: %w", err)
		}
		out = append(out, &r)
	}
	return out, rows.Err()
}

// Update is a compare-and-swap on the row's version: two processes deciding
// at once cannot both win, and neither loses the other's decision.
func (s *sqlStore) Update(ctx context.Context, id string, fn func(*Request) error) (*Request, error) {
	for attempt := 0; attempt < 50; attempt++ {
		r, version, err := s.get(ctx, id)
		if err != nil {
			return nil, err
		}
		if err := fn(r); err != nil {
			return r, err
		}
		doc, err := json.Marshal(r)
		if err != nil {
			return nil, fmt.Errorf("approvals store: %w", err)
		}
		res, err := s.db.ExecContext(ctx, s.q(`UPDATE atlas_mcp_approvals SET doc = ?, status = ?, expires_at = ?, version = version + 1 WHERE id = ? AND version = ?`),
			string(doc), string(r.Status), r.ExpiresAt.UnixNano(), id, version)
		if err != nil {
			return nil, fmt.Errorf("approvals store: update %s: %w", id, err)
		}
		if n, err := res.RowsAffected(); err == nil && n == 1 {
			s.changed(ctx, id)
			return r, nil
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(time.Duration(attempt+1) * 5 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("approvals store: update %s: too much contention", id)
}

func (s *sqlStore) PutState(ctx context.Context, key string, value []byte, expires time.Time) error {
	query := `INSERT INTO atlas_mcp_state (key, value, expires_at) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at`
	if _, err := s.db.ExecContext(ctx, s.q(query), key, string(value), expires.UnixNano()); err != nil {
		return fmt.Errorf("approvals store: put state: %w", err)
	}
	return nil
}

func (s *sqlStore) GetState(ctx context.Context, key string, now time.Time) ([]byte, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.q(`SELECT value FROM atlas_mcp_state WHERE key = ? AND expires_at > ?`), key, now.UnixNano()).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("approvals store: get state: %w", err)
	}
	return []byte(v), true, nil
}

// TakeState deletes and returns in one statement, so a one-time token is
// redeemed by exactly one caller even across processes.
func (s *sqlStore) TakeState(ctx context.Context, key string, now time.Time) ([]byte, bool, error) {
	var v string
	err := s.db.QueryRowContext(ctx, s.q(`DELETE FROM atlas_mcp_state WHERE key = ? AND expires_at > ? RETURNING value`), key, now.UnixNano()).Scan(&v)
	// Expired state is garbage; removing it here keeps the table small
	// without a background job.
	_, _ = s.db.ExecContext(ctx, s.q(`DELETE FROM atlas_mcp_state WHERE expires_at < ?`), now.Add(-time.Hour).UnixNano())
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("approvals store: take state: %w", err)
	}
	return []byte(v), true, nil
}

func (s *sqlStore) DeleteState(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM atlas_mcp_state WHERE key = ?`), key); err != nil {
		return fmt.Errorf("approvals store: delete state: %w", err)
	}
	return nil
}

func (s *sqlStore) changed(ctx context.Context, id string) {
	s.hub.publish(id)
	if s.notify != nil {
		s.notify(ctx, id)
	}
}

func (s *sqlStore) Changes() (<-chan string, func()) { return s.hub.subscribe() }

func (s *sqlStore) PollInterval() time.Duration { return s.poll }

func (s *sqlStore) Close() error {
	if s.closeFn != nil {
		return s.closeFn()
	}
	return s.db.Close()
}

// hub fans change notifications out to the waiters of this process.
type hub struct {
	mu   sync.Mutex
	next int
	subs map[int]chan string
}

func (h *hub) subscribe() (<-chan string, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.subs == nil {
		h.subs = map[int]chan string{}
	}
	id := h.next
	h.next++
	ch := make(chan string, 16)
	h.subs[id] = ch
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(h.subs, id)
	}
}

func (h *hub) publish(id string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ch := range h.subs {
		select {
		case ch <- id:
		default: // a slow waiter polls anyway
		}
	}
}
