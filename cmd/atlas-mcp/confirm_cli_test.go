package main

import (
	"bufio"
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/mark3labs/mcp-go/mcp"
)

// What the person at the terminal types, and what the CLI answers the server.
// The schemas are the two the server sends (internal/server/confirm.go).
func TestTerminalConfirm(t *testing.T) {
	typed := map[string]any{"type": "object", "properties": map[string]any{"confirm": map[string]any{"type": "string"}}}
	yesNo := map[string]any{"type": "object", "properties": map[string]any{"confirm": map[string]any{"type": "boolean"}}}
	tests := []struct {
		name        string
		schema      any
		input       string
		wantAction  mcp.ElicitationResponseAction
		wantContent any
		wantPrompt  string
	}{
		{"y accepts", yesNo, "y\n", mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true}, "Proceed? [y/N]"},
		{"YES accepts", yesNo, " YES \n", mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true}, "Proceed? [y/N]"},
		{"enter declines", yesNo, "\n", mcp.ElicitationResponseActionDecline, nil, "Proceed? [y/N]"},
		{"anything else declines", yesNo, "sure\n", mcp.ElicitationResponseActionDecline, nil, "Proceed? [y/N]"},
		{"EOF cancels", yesNo, "", mcp.ElicitationResponseActionCancel, nil, "Proceed? [y/N]"},
		{"y without newline then EOF accepts", yesNo, "y", mcp.ElicitationResponseActionAccept, map[string]any{"confirm": true}, "Proceed? [y/N]"},
		{"typed name is sent as typed", typed, "staging\n", mcp.ElicitationResponseActionAccept, map[string]any{"confirm": "staging"}, "Type the name"},
		{"typed name is trimmed", typed, "  staging  \r\n", mcp.ElicitationResponseActionAccept, map[string]any{"confirm": "staging"}, "Type the name"},
		{"empty name declines", typed, "\n", mcp.ElicitationResponseActionDecline, nil, "Type the name"},
		{"EOF on a typed prompt cancels", typed, "", mcp.ElicitationResponseActionCancel, nil, "Type the name"},
		{"no schema asks yes/no", nil, "n\n", mcp.ElicitationResponseActionDecline, nil, "Proceed? [y/N]"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			c := &terminalConfirm{in: bufio.NewReader(strings.NewReader(tc.input)), out: &out}
			req := mcp.ElicitationRequest{}
			req.Params.Message = "Delete cluster staging in project demo-project. This cannot be undone."
			req.Params.RequestedSchema = tc.schema
			res, err := c.Elicit(context.Background(), req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Action != tc.wantAction {
				t.Errorf("action %q, want %q", res.Action, tc.wantAction)
			}
			if tc.wantContent != nil && !reflect.DeepEqual(res.Content, tc.wantContent) {
				t.Errorf("content %#v, want %#v", res.Content, tc.wantContent)
			}
			if tc.wantContent == nil && res.Content != nil {
				t.Errorf("content %#v sent without an accept", res.Content)
			}
			mustContain(t, "prompt", out.String(), "Delete cluster staging", "cannot be undone", tc.wantPrompt)
		})
	}
}
