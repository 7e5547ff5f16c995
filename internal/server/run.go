package server

import (
	"context"
	"errors"
	"io"

	mcpserver "github.com/mark3labs/mcp-go/server"
)

// ServeStdio runs the stdio transport until ctx ends or the host closes stdin.
func (s *Server) ServeStdio(ctx context.Context, in io.Reader, out io.Writer) error {
	stdio := mcpserver.NewStdioServer(s.mcp)
	err := stdio.Listen(ctx, in, out)
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
