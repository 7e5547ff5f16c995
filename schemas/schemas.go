// Package schemas holds the JSON Schemas of every tool's input and output,
// generated from the Go input types (go generate ./schemas) and committed, so a
// schema change is a reviewed diff. A golden test in tools fails when the Go
// types and these files disagree.
package schemas

import (
	"embed"
	"encoding/json"
	"fmt"
)

//go:generate go run ./gen

//go:embed *.json
var files embed.FS

// Input returns the input schema of a tool.
func Input(tool string) (json.RawMessage, error) { return read(tool + ".input.json") }

// Output returns the output schema of a tool.
func Output(tool string) (json.RawMessage, error) { return read(tool + ".output.json") }

func read(name string) (json.RawMessage, error) {
	b, err := files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("schemas: %s is missing; run go generate ./schemas: %w", name, err)
	}
	return b, nil
}
