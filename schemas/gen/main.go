// Command gen writes the JSON Schema files of every tool into the schemas folder.
// Run it with `go generate ./schemas`.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/atlas-mcp/atlas-mcp/schemas/gen/schemagen"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

func main() {
	dir := "."
	if len(os.Args) > 1 {
		dir = os.Args[1]
	}
	if err := write(dir); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func write(dir string) error {
	for _, t := range tools.All() {
		in, err := schemagen.Input(t)
		if err != nil {
			return fmt.Errorf("%s input: %w", t.Name, err)
		}
		out, err := schemagen.Output(t)
		if err != nil {
			return fmt.Errorf("%s output: %w", t.Name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, t.Name+".input.json"), in, 0o644); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, t.Name+".output.json"), out, 0o644); err != nil {
			return err
		}
	}
	return nil
}
