package tools

import (
	"encoding/json"

	"github.com/atlas-mcp/atlas-mcp/schemas"
)

// InputSchema returns the committed input schema (schemas/<name>.input.json),
// generated from InputType by schemas/gen (go generate ./schemas) so that the
// schema generator is not linked into the server.
func (t *Tool) InputSchema() (json.RawMessage, error) { return schemas.Input(t.Name) }

// OutputSchema returns the committed output schema (schemas/<name>.output.json).
func (t *Tool) OutputSchema() (json.RawMessage, error) { return schemas.Output(t.Name) }
