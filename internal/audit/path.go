package audit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// DefaultPath is $XDG_STATE_HOME/atlas-mcp/audit.jsonl, or
// ~/.local/state/atlas-mcp/audit.jsonl when XDG_STATE_HOME is unset or not
// absolute (the XDG spec says to ignore relative values).
//
// The XDG layout is used on every OS, macOS and Windows included, on purpose:
// one documented location is easier to find, back up and point `audit verify`
// at than three platform conventions, and the Atlas CLI users this server
// targets already live in terminals. ATLAS_MCP_AUDIT_LOG overrides it.
func DefaultPath() (string, error) {
	if dir := os.Getenv("XDG_STATE_HOME"); dir != "" && filepath.IsAbs(dir) {
		return filepath.Join(dir, "atlas-mcp", "audit.jsonl"), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("audit: default path: %w", err)
	}
	if home == "" {
		return "", errors.New("audit: default path: no home directory")
	}
	return filepath.Join(home, ".local", "state", "atlas-mcp", "audit.jsonl"), nil
}
