package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	mcpclient "github.com/mark3labs/mcp-go/client"
	"github.com/mark3labs/mcp-go/mcp"

	"github.com/atlas-mcp/atlas-mcp/tools"
)

// callCommand runs one tool call through the same pipeline an MCP host uses, by
// talking MCP to the server in-process. On a terminal, a confirmation is asked
// on the terminal (the CLI then acts as a host with elicitation).
func callCommand(ctx context.Context, cfg *config, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("call", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print the structured result as JSON")
	rest, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(rest) == 0 || len(rest) > 2 {
		return fmt.Errorf("usage: atlas-mcp call TOOL ['JSON-ARGS'] [--json] (see atlas-mcp tools)")
	}
	name, rawArgs := rest[0], "{}"
	if len(rest) == 2 && strings.TrimSpace(rest[1]) != "" {
		rawArgs = rest[1] // an empty argument ('') means no arguments, as omitting it does
	}
	var arguments map[string]any
	dec := json.NewDecoder(strings.NewReader(rawArgs))
	dec.UseNumber()
	err = dec.Decode(&arguments)
	if err == nil && arguments == nil {
		err = fmt.Errorf("got %s", strings.TrimSpace(rawArgs))
	}
	if err == nil {
		// One object only: '{"a":1} {"b":2}' or a stray '}' is a quoting
		// mistake, not a call with the first object's arguments.
		if _, extra := dec.Token(); extra != io.EOF {
			err = fmt.Errorf("unexpected data after the object at offset %d", dec.InputOffset())
		}
	}
	if err != nil {
		return fmt.Errorf("the arguments are not a JSON object: %v (example: '{\"clusterName\":\"demo\"}')", err)
	}

	if cfg.AuditLog == "-" {
		return fmt.Errorf("--audit-log - streams audit records to stdout, where call prints its answer: give the audit log a file (or serve with --transport http)")
	}
	a, err := build(ctx, cfg, stdout, stderr)
	if err != nil {
		return err
	}
	defer a.Close()
	if !slices.Contains(a.server.Registered(), name) && name != "atlas-whoami" {
		if tools.Find(tools.All(), name) != nil {
			return fmt.Errorf("%s is not available in this configuration (--read-only, --disable-destructive, --toolsets or --cloud gov removes it)", name)
		}
		return fmt.Errorf("unknown tool %q (atlas-mcp tools lists them)", name)
	}

	var opts []mcpclient.ClientOption
	if f, ok := stdin.(*os.File); ok && isTerminal(f) {
		opts = append(opts, mcpclient.WithElicitationHandler(&terminalConfirm{in: bufio.NewReader(stdin), out: stderr}))
	}
	c, err := mcpclient.NewInProcessClientWithOptions(a.server.MCP(), opts...)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Start(ctx); err != nil {
		return err
	}
	init := mcp.InitializeRequest{}
	init.Params.ProtocolVersion = mcp.LATEST_PROTOCOL_VERSION
	init.Params.ClientInfo = mcp.Implementation{Name: "atlas-mcp-cli", Version: version}
	if len(opts) > 0 {
		init.Params.Capabilities.Elicitation = &mcp.ElicitationCapability{}
	}
	if _, err := c.Initialize(ctx, init); err != nil {
		return fmt.Errorf("initialize: %w", err)
	}
	req := mcp.CallToolRequest{}
	req.Params.Name = name
	req.Params.Arguments = arguments
	res, err := c.CallTool(ctx, req)
	if err != nil {
		return err
	}
	if *asJSON {
		out := map[string]any{"isError": res.IsError, "structuredContent": res.StructuredContent, "text": textOf(res)}
		b, _ := json.MarshalIndent(out, "", "  ")
		fmt.Fprintln(stdout, string(b))
	} else {
		fmt.Fprintln(stdout, textOf(res))
	}
	if res.IsError {
		return exitError{code: 1}
	}
	return nil
}

func textOf(res *mcp.CallToolResult) string {
	var parts []string
	for _, c := range res.Content {
		if t, ok := mcp.AsTextContent(c); ok {
			parts = append(parts, t.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// isTerminal approximates isatty without a dependency: a character device, but
// not the null device, which is also one (stdin of cron jobs, `docker run`
// without -i, `</dev/null` in scripts) and where nobody can answer a prompt.
func isTerminal(f *os.File) bool {
	st, err := f.Stat()
	if err != nil || st.Mode()&os.ModeCharDevice == 0 {
		return false
	}
	if null, err := os.Stat(os.DevNull); err == nil && os.SameFile(st, null) {
		return false
	}
	return true
}

// terminalConfirm asks the person at the terminal.
type terminalConfirm struct {
	in  *bufio.Reader
	out io.Writer
}

func (t *terminalConfirm) Elicit(ctx context.Context, req mcp.ElicitationRequest) (*mcp.ElicitationResult, error) {
	fmt.Fprintf(t.out, "\n%s\n", req.Params.Message)
	schema, _ := req.Params.RequestedSchema.(map[string]any)
	props, _ := schema["properties"].(map[string]any)
	field, _ := props["confirm"].(map[string]any)
	typed := field["type"] == "string"
	if typed {
		fmt.Fprint(t.out, "Type the name to confirm (anything else declines): ")
	} else {
		fmt.Fprint(t.out, "Proceed? [y/N]: ")
	}
	line, err := t.in.ReadString('\n')
	if err != nil && line == "" {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionCancel}}, nil
	}
	line = strings.TrimSpace(line)
	if typed {
		if line == "" {
			return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
		}
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": line}}}, nil
	}
	if strings.EqualFold(line, "y") || strings.EqualFold(line, "yes") {
		return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionAccept, Content: map[string]any{"confirm": true}}}, nil
	}
	return &mcp.ElicitationResult{ElicitationResponse: mcp.ElicitationResponse{Action: mcp.ElicitationResponseActionDecline}}, nil
}
