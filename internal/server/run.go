package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mark3labs/mcp-go/mcp"
	mcpserver "github.com/mark3labs/mcp-go/server"
)

// ServeStdio runs the stdio transport until ctx ends or the host closes stdin.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	stdio := mcpserver.NewStdioServer(s.mcp)
	p := &unanswered{ids: map[string]bool{}, answered: make(chan struct{}, 1), lists: map[string]bool{}, started: s.startupDone}
	err := stdio.Listen(ctx, &drainOnEOF{r: in, s: s, p: p, ctx: ctx}, &countAnswers{w: out, p: p})
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// OnStartupDone sets f to be called once over stdio, when the host's
// start-up exchange is over: the answer to its first tools/list has been
// written, or its first tools/call has arrived. Call it before ServeStdio.
// The command relaxes the garbage collector until then, so that no
// collection runs while the catalogue is built and listed (cmd/atlas-mcp,
// stdioGC); f must be cheap, as it runs on the writing goroutine.
func (s *Server) OnStartupDone(f func()) { s.startupDone = f }

// ErrShuttingDown is the cause of a call cancelled because the server stops.
var ErrShuttingDown = errors.New("atlas-mcp is shutting down")

// Close cancels the calls still running and waits (until ctx ends) for them
// to write their outcome records, then records every confirmation still
// unanswered, so the audit log holds a record for each call even when the
// process stops mid-call or mid-confirmation. Close it before the audit log.
func (s *Server) Close(ctx context.Context) {
	if s.stopSweep != nil {
		s.stopSweep()
	}
	s.CancelCalls()
	for s.inflight.Load() > 0 {
		select {
		case <-ctx.Done():
			s.auditExpired(context.WithoutCancel(ctx), true)
			s.flushRefusals(context.WithoutCancel(ctx))
			return
		case <-time.After(10 * time.Millisecond):
		}
	}
	s.auditExpired(ctx, true)
	s.flushRefusals(ctx)
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

// drainOnEOF holds back the end of stdin until the requests already read have
// been answered. mcp-go cancels running requests when its input ends, so a
// script that pipes requests and closes stdin would otherwise see its calls
// cancelled halfway — after a write may already have reached Atlas.
type drainOnEOF struct {
	r    io.Reader
	s    *Server
	p    *unanswered
	ctx  context.Context
	line []byte // the part of a line read so far
}

func (d *drainOnEOF) Read(b []byte) (int, error) {
	n, err := d.r.Read(b)
	d.line = eachLine(d.line, b[:n], d.p.sawInput)
	if errors.Is(err, io.EOF) {
		// An unterminated last line is not counted: mcp-go does not run it.
		d.p.wait(d.ctx, d.s)
	}
	return n, err
}

// countAnswers counts the responses the server writes.
type countAnswers struct {
	mu   sync.Mutex
	w    io.Writer
	p    *unanswered
	line []byte
}

func (c *countAnswers) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.mu.Lock()
	c.line = eachLine(c.line, b[:n], c.p.sawOutput)
	c.mu.Unlock()
	return n, err
}

// unanswered holds the ids of the requests read from stdin and not yet
// answered, so the end of input waits exactly for those — not for a fixed quiet
// period.
type unanswered struct {
	mu       sync.Mutex
	ids      map[string]bool
	answered chan struct{}

	// lists are the ids of tools/list requests not yet answered, and
	// started the callback of OnStartupDone, run once by done.
	lists   map[string]bool
	started func()
	done    sync.Once
}

// startupOver runs the start-up callback, once.
func (p *unanswered) startupOver() {
	if p.started != nil {
		p.done.Do(p.started)
	}
}

// envelope is what tells a request, a notification and a response apart.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
	Params struct {
		RequestID json.RawMessage `json:"requestId"`
	} `json:"params"`
}

// idKey is a JSON-RPC id as a map key: 7 and 7.0 are one id, "7" another.
func idKey(raw json.RawMessage) (string, bool) {
	var v any
	if len(raw) == 0 || json.Unmarshal(raw, &v) != nil {
		return "", false
	}
	switch x := v.(type) {
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case string:
		return "s:" + x, true
	}
	return "", false
}

func (p *unanswered) sawInput(line []byte) {
	forEach(line, func(e envelope) {
		if p.note(e) {
			p.startupOver()
		}
	})
}

// note records a request read (or a cancellation) and says whether it was a
// tool call.
func (p *unanswered) note(e envelope) (call bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if k, ok := idKey(e.ID); ok && e.Method != "" {
		p.ids[k] = true
		if e.Method == string(mcp.MethodToolsList) {
			p.lists[k] = true
		}
		return e.Method == string(mcp.MethodToolsCall)
	}
	if e.Method == "notifications/cancelled" {
		// A cancelled request may get no answer.
		if k, ok := idKey(e.Params.RequestID); ok {
			delete(p.ids, k)
			delete(p.lists, k)
		}
	}
	return false
}

func (p *unanswered) sawOutput(line []byte) {
	if e, ok := answerHead(line); ok {
		p.answer(e)
		return
	}
	forEach(line, p.answer)
}

// answer notes an answer the server wrote (requests and notifications it
// writes are not answers).
func (p *unanswered) answer(e envelope) {
	k, ok := idKey(e.ID)
	if !ok || e.Method != "" {
		return
	}
	p.mu.Lock()
	delete(p.ids, k)
	listed := p.lists[k]
	delete(p.lists, k)
	p.mu.Unlock()
	if listed {
		p.startupOver()
	}
	select {
	case p.answered <- struct{}{}:
	default:
	}
}

// wait returns once every request read has its answer, or when ctx ends (a
// signal). Should a request never be answered (a JSON-RPC message mcp-go
// ignores), it gives up after a long quiet spell with no call running.
//
// The host has gone: once the shutdown grace has passed, calls still running
// (a wait:true poll would hold the process forever) are cancelled so that they
// record their outcome, and the wait goes on for their answers.
func (p *unanswered) wait(ctx context.Context, s *Server) {
	const giveUp = 5 * time.Second
	grace := time.NewTimer(s.opts.ShutdownGrace)
	defer grace.Stop()
	for {
		p.mu.Lock()
		done := len(p.ids) == 0
		p.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-p.answered:
		case <-grace.C:
			s.CancelCalls()
		case <-time.After(giveUp):
			if s.inflight.Load() == 0 {
				return
			}
		}
	}
}

// eachLine appends b to the partial line held, calls f on every complete line
// and returns what is left of the last one.
func eachLine(held, b []byte, f func([]byte)) []byte {
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return append(held, b...)
		}
		if len(held) > 0 {
			held = append(held, b[:i]...)
			f(held)
			held = held[:0]
		} else {
			f(b[:i])
		}
		b = b[i+1:]
	}
	return held
}

// answerHead reads only as much of one message the server wrote as it takes
// to know its id and whether it is an answer: mcp-go writes "id" before
// "result" or "error", so a 30 KB tools/list or a verbose list of clusters is
// not decoded again just to find its id. A line it cannot read this way (a
// batch, another order) is decoded whole by forEach. Only for output: what
// the server wrote is valid JSON, whereas a host's malformed line must not
// count as a request.
func answerHead(line []byte) (envelope, bool) {
	var e envelope
	line = bytes.TrimSpace(line)
	if len(line) == 0 || line[0] != '{' {
		return e, false
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	if _, err := dec.Token(); err != nil {
		return e, false
	}
	for dec.More() {
		tok, err := dec.Token()
		key, isKey := tok.(string)
		if err != nil || !isKey {
			return e, false
		}
		switch key {
		case "id":
			if dec.Decode(&e.ID) != nil {
				return e, false
			}
		case "method":
			if dec.Decode(&e.Method) != nil {
				return e, false
			}
			return e, len(e.ID) > 0 // a request or a notification: not an answer
		case "result", "error":
			return e, len(e.ID) > 0 && e.Method == ""
		default:
			var skip json.RawMessage
			if dec.Decode(&skip) != nil {
				return e, false
			}
		}
	}
	return e, false
}

// forEach decodes one JSON-RPC message, or each of a batch.
func forEach(line []byte, f func(envelope)) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	if line[0] == '[' {
		var batch []envelope
		if json.Unmarshal(line, &batch) == nil {
			for _, e := range batch {
				f(e)
			}
		}
		return
	}
	var e envelope
	if json.Unmarshal(line, &e) == nil {
		f(e)
	}
}
