package approvals

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// notifyChannel is the PostgreSQL channel on which replicas announce changed
// requests, so a call waiting on one replica wakes when another decides.
const notifyChannel = "atlas_mcp_approvals"

// openPostgres opens the shared store through lib/pq: plain SQL over
// database/sql and one LISTEN connection are all the store needs, and pq
// does both without the type system pgx brings (with pgx the binary was
// 3.7 MB larger and every start, stdio included, paid for its package
// init and its pages: 1.5 MiB of peak RSS).
func openPostgres(ctx context.Context, dsn string) (Store, error) {
	connector, err := pq.NewConnector(dsn)
	if err != nil {
		return nil, fmt.Errorf("approvals store: %s: %w", redactURL(dsn), err)
	}
	db := sql.OpenDB(connector)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("approvals store: connect %s: %w", redactURL(dsn), err)
	}
	lctx, cancel := context.WithCancel(context.Background())
	s := &sqlStore{db: db, postgres: true, poll: 2 * time.Second}
	s.notify = func(ctx context.Context, id string) {
		_, _ = db.ExecContext(ctx, `SELECT pg_notify($1, $2)`, notifyChannel, id)
	}
	done := make(chan struct{})
	s.closeFn = func() error {
		cancel()
		<-done
		return db.Close()
	}
	if err := s.migrateLocked(ctx); err != nil {
		cancel()
		close(done)
		db.Close()
		return nil, err
	}
	go func() {
		defer close(done)
		s.listen(lctx, dsn)
	}()
	return s, nil
}

// migrateLocked creates the tables under an advisory lock: replicas starting
// together would otherwise race on CREATE TABLE IF NOT EXISTS.
func (s *sqlStore) migrateLocked(ctx context.Context) error {
	conn, err := s.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("approvals store: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock(727274)`); err != nil {
		return fmt.Errorf("approvals store: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock(727274)`) //nolint:errcheck
	return s.migrateOn(ctx, conn)
}

func (s *sqlStore) migrateOn(ctx context.Context, conn *sql.Conn) error {
	for _, stmt := range splitSQL(schemaSQL) {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("approvals store: create tables: %w", err)
		}
	}
	return nil
}

// listen holds one connection in LISTEN and relays notifications to this
// process's waiters until ctx ends; pq's Listener reconnects by itself
// (after a reconnection it sends nil: notifications may have been lost,
// and waiters fall back on their poll).
func (s *sqlStore) listen(ctx context.Context, dsn string) {
	l := pq.NewListener(dsn, 100*time.Millisecond, 5*time.Second, nil)
	defer l.Close()
	for ctx.Err() == nil {
		if err := l.Listen(notifyChannel); err == nil || err == pq.ErrChannelAlreadyOpen {
			break
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-l.Notify:
			if n != nil {
				s.hub.publish(n.Extra)
			}
		case <-time.After(90 * time.Second):
			// A quiet connection may have died without a word: a ping
			// makes the Listener find out and reconnect.
			_ = l.Ping()
		}
	}
}
