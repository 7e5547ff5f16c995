package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
	"github.com/atlas-mcp/atlas-mcp/internal/audit"
)

// sandboxStatePath is where --sandbox keeps the simulator's data: the
// configured file, else beside the audit log the sandbox writes (so one
// --audit-log keeps a sandbox's files together, and apart from another's).
// Each cloud has its own file: their demo data and rules differ.
func sandboxStatePath(cfg *config) (string, error) {
	if cfg.SandboxState != "" {
		return cfg.SandboxState, nil
	}
	dir := ""
	if cfg.AuditLog != "" {
		dir = filepath.Dir(cfg.AuditLog)
	} else {
		def, err := audit.DefaultPath()
		if err != nil {
			return "", err
		}
		dir = filepath.Dir(def)
	}
	return filepath.Join(dir, sandboxStateName(cfg.Cloud)), nil
}

func sandboxStateName(cloud string) string {
	if cloud == "gov" {
		return "sandbox-gov-state.json"
	}
	return "sandbox-state.json"
}

// fallbackDir is where files go when the state directory is unusable (no
// home, a read-only home in a container); openAudit uses it too.
func fallbackDir() string {
	return filepath.Join(os.TempDir(), fmt.Sprintf("atlas-mcp-%d", os.Getuid()))
}

// persistSandbox keeps sim's data in the sandbox state file. When the
// default location is unusable it falls back to the temporary directory and
// says so; a file that was asked for by name must work.
func persistSandbox(cfg *config, sim *atlassim.Sim, stderr io.Writer) (*atlassim.Persisted, error) {
	path, err := sandboxStatePath(cfg)
	if err == nil {
		var p *atlassim.Persisted
		if p, err = atlassim.Persist(sim, path); err == nil {
			return p, nil
		}
	}
	if cfg.SandboxState != "" || cfg.AuditLog != "" {
		return nil, fmt.Errorf("sandbox: %w (set --sandbox-state or ATLAS_MCP_SANDBOX_STATE to another file, or run atlas-mcp sandbox reset)", err)
	}
	alt := filepath.Join(fallbackDir(), sandboxStateName(cfg.Cloud))
	p, aerr := atlassim.Persist(sim, alt)
	if aerr != nil {
		return nil, fmt.Errorf("sandbox: no usable state file (%v; fallback: %v); set --sandbox-state", err, aerr)
	}
	fmt.Fprintf(stderr, "atlas-mcp: the sandbox state cannot be kept in the state directory (%v); keeping it in %s instead.\n", err, alt)
	return p, nil
}

// sandboxCommand: `atlas-mcp sandbox reset` forgets what sandbox calls did,
// for both clouds unless one file was named. The sandbox's audit log is
// append-only and stays.
func sandboxCommand(cfg *config, args []string, stdout io.Writer) error {
	if len(args) != 1 || args[0] != "reset" {
		return fmt.Errorf("usage: atlas-mcp sandbox reset (forget what --sandbox calls changed; the next call starts from the demo data)")
	}
	var paths []string
	if cfg.SandboxState != "" {
		paths = []string{cfg.SandboxState}
	} else {
		for _, cloud := range []string{"commercial", "gov"} {
			c := *cfg
			c.Cloud = cloud
			if p, err := sandboxStatePath(&c); err == nil {
				paths = append(paths, p)
			}
			if cfg.AuditLog == "" {
				paths = append(paths, filepath.Join(fallbackDir(), sandboxStateName(cloud)))
			}
		}
	}
	for _, p := range paths {
		removed, err := atlassim.ResetState(p)
		if err != nil {
			return err
		}
		if removed {
			fmt.Fprintf(stdout, "reset: removed %s\n", p)
		}
	}
	fmt.Fprintln(stdout, "The sandbox starts from the demo data on its next call. (Its audit log is kept: audit logs are append-only.)")
	return nil
}

// sandboxHTTPHint completes the error of HTTP mode without tokens: a sandbox
// has a ready policy for it.
func sandboxHTTPHint(cfg *config) string {
	if !cfg.Sandbox {
		return ""
	}
	return "; for the sandbox: export ATLAS_MCP_SANDBOX_TOKEN=<16+ characters> and pass --policy testdata/policies/sandbox-http.yaml (README: HTTP sandbox in one paste)"
}
