package approvals

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
)

// notifyChannel is the PostgreSQL channel on which replicas announce changed
// requests, so a call waiting on one replica wakes when another decides.
const notifyChannel = "atlas_mcp_approvals"

func openPostgres(ctx context.Context, dsn string) (Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("approvals store: %s: %w", redactURL(dsn), err)
	}
	db := stdlib.OpenDB(*cfg)
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
		s.listen(lctx, cfg)
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
// process's waiters, reconnecting after errors until ctx ends.
func (s *sqlStore) listen(ctx context.Context, cfg *pgx.ConnConfig) {
	for ctx.Err() == nil {
		conn, err := pgx.ConnectConfig(ctx, cfg)
		if err == nil {
			_, err = conn.Exec(ctx, "LISTEN "+notifyChannel)
			for err == nil {
				var n *pgconn.Notification
				n, err = conn.WaitForNotification(ctx)
				if err == nil {
					s.hub.publish(n.Payload)
				}
			}
			conn.Close(context.Background())
		}
		select {
		case <-ctx.Done():
		case <-time.After(time.Second):
		}
	}
}
