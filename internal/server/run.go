package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// ServeStdio runs the stdio transport until ctx ends or the host closes stdin.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	stdio := mcpserver.NewStdioServer(s.mcp)
	p := &unanswered{answered: make(chan struct{}, 1)}
	err := stdio.Listen(ctx, &drainOnEOF{r: in, s: s, p: p, ctx: ctx}, &countAnswers{w: out, p: p})
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// Close records every confirmation still unanswered, so the audit log holds a
// record for each call even when the process stops mid-confirmation.
func (s *Server) Close(ctx context.Context) {
	s.auditExpired(ctx, true)
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

// unanswered counts the requests read from stdin against the responses written,
// so the end of input waits exactly for the calls read but not answered — not
// for a fixed quiet period.
type unanswered struct {
	mu       sync.Mutex
	requests int // requests read (messages with an id and a method)
	answers  int // responses written (messages with an id and no method)
	answered chan struct{}
}

// envelope is what tells a request, a notification and a response apart.
type envelope struct {
	ID     json.RawMessage `json:"id"`
	Method string          `json:"method"`
}

func (e envelope) hasID() bool { return len(e.ID) > 0 && string(e.ID) != "null" }

func (p *unanswered) sawInput(line []byte) {
	n := 0
	forEach(line, func(e envelope) {
		switch {
		case e.hasID() && e.Method != "":
			n++
		case e.Method == "notifications/cancelled":
			// A cancelled request may get no answer.
			n--
		}
	})
	p.mu.Lock()
	p.requests += n
	p.mu.Unlock()
}

func (p *unanswered) sawOutput(line []byte) {
	n := 0
	forEach(line, func(e envelope) {
		if e.hasID() && e.Method == "" {
			n++
		}
	})
	if n == 0 {
		return
	}
	p.mu.Lock()
	p.answers += n
	p.mu.Unlock()
	select {
	case p.answered <- struct{}{}:
	default:
	}
}

// wait returns once every request read has its answer, or when ctx ends (a
// signal). Should a request never be answered (a JSON-RPC message mcp-go
// ignores), it gives up after a long quiet spell with no call running.
func (p *unanswered) wait(ctx context.Context, s *Server) {
	const giveUp = 5 * time.Second
	for {
		p.mu.Lock()
		done := p.answers >= p.requests
		p.mu.Unlock()
		if done {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-p.answered:
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
