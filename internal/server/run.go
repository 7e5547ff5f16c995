package server

import (
	"context"
	"errors"
	"io"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// ServeStdio runs the stdio transport until ctx ends or the host closes stdin.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	stdio := mcpserver.NewStdioServer(s.mcp)
	err := stdio.Listen(ctx, &drainOnEOF{r: in, s: s, ctx: ctx}, out)
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Close records every confirmation still unanswered, so the audit log holds a
// record for each call even when the process stops mid-confirmation.
func (s *Server) Close(ctx context.Context) {
	if s.stopSweep != nil {
		s.stopSweep()
	}
	s.auditExpired(ctx, true)
}

// drainOnEOF holds back the end of stdin until the calls already read have
// answered. mcp-go cancels running requests when its input ends, so a script
// that pipes requests and closes stdin would otherwise see its calls cancelled
// halfway — after a write may already have reached Atlas.
type drainOnEOF struct {
	r   io.Reader
	s   *Server
	ctx context.Context
}

func (d *drainOnEOF) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	if errors.Is(err, io.EOF) {
		d.s.waitIdle(d.ctx)
	}
	return n, err
}

// waitIdle returns once no call has been running or started for a moment, or
// when ctx ends (a signal).
func (s *Server) waitIdle(ctx context.Context) {
	// A call read just before the end of input may not have reached its
	// handler yet: wait for a quiet moment, not just for zero calls.
	const quiet = 200 * time.Millisecond
	eof := time.Now()
	for {
		if time.Since(eof) > quiet && s.inflight.Load() == 0 && time.Since(time.Unix(0, s.lastStart.Load())) > quiet {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(20 * time.Millisecond):
		}
	}
}
