package server

import (
	"context"
	"errors"
	"io"
	"strings"
	"time"

	"github.com/mark3labs/mcp-go/mcp"

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

// ErrShuttingDown is the cause of a call cancelled because the server stops.
var ErrShuttingDown = errors.New("atlas-mcp is shutting down")

// Close cancels the calls still running and waits (until ctx ends) for them
// to write their outcome records, then records every confirmation still
// unanswered, so the audit log holds a record for each call even when the
// process stops mid-call or mid-confirmation. Close it before the audit log.
func (s *Server) Close(ctx context.Context) {
	s.CancelCalls()
	for s.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			s.auditExpired(context.WithoutCancel(ctx), true)
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	s.auditExpired(ctx, true)
}

// CancelCalls cancels every running call: a wait:true poll stops and says so,
// a request in flight is abandoned, and each call still writes its outcome
// record. Shutdown calls it once the grace period for in-flight calls ends,
// well before the process must exit.
func (s *Server) CancelCalls() { s.stopCalls() }

// noteShutdown says so in the answer and the record when a call ended
// because the server is stopping, not because of the host or Atlas.
func noteShutdown(ctx context.Context, cs *callState) {
	if !errors.Is(context.Cause(ctx), ErrShuttingDown) || cs.result == nil || !cs.result.IsError {
		return
	}
	res := *cs.result
	res.Content = append(append([]mcp.Content(nil), res.Content...),
		mcp.NewTextContent("\natlas-mcp is shutting down: the call was cancelled so that its outcome is recorded before the server exits."))
	cs.result = &res
	cs.outcome.Message = strings.TrimSpace(cs.outcome.Message + " (server shutting down)")
}

// callContext is a call's context, cancelled by CancelCalls too.
func (s *Server) callContext(ctx context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(s.stopCtx, func() { cancel(ErrShuttingDown) })
	return ctx, func() { stop(); cancel(nil) }
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
	grace := time.NewTimer(s.opts.ShutdownGrace)
	defer grace.Stop()
	for {
		if time.Since(eof) > quiet && s.inflight.Load() == 0 && time.Since(time.Unix(0, s.lastStart.Load())) > quiet {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-grace.C:
			// The host has gone; a call still polling (wait:true) would
			// hold the process forever. Cancel it so it records its
			// outcome, then keep waiting for it to finish.
			s.CancelCalls()
		case <-time.After(20 * time.Millisecond):
		}
	}
}
