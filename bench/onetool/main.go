// Command onetool is the floor bench/run --startup measures atlas-mcp against:
// an mcp-go server with one trivial tool over stdio, built from the same
// mcp-go version in the same run, so the ratio is what atlas-mcp adds.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/mark3labs/mcp-go/mcp"
	"github.com/mark3labs/mcp-go/server"
)

func main() {
	s := server.NewMCPServer("onetool", "1.0.0", server.WithToolCapabilities(false))
	s.AddTool(mcp.NewTool("ping",
		mcp.WithDescription("Answers pong."),
		mcp.WithReadOnlyHintAnnotation(true),
		mcp.WithDestructiveHintAnnotation(false),
		mcp.WithIdempotentHintAnnotation(true),
		mcp.WithOpenWorldHintAnnotation(false),
	), func(context.Context, mcp.CallToolRequest) (*mcp.CallToolResult, error) {
		return mcp.NewToolResultText("pong"), nil
	})
	if err := server.ServeStdio(s); err != nil {
		fmt.Fprintln(os.Stderr, "onetool:", err)
		os.Exit(1)
	}
}
