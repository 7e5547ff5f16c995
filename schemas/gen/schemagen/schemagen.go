// Package schemagen reflects the tools' Go input and output types into the JSON
// Schemas committed under schemas/. Only the generator (schemas/gen) and the
// golden test import it, so invopop/jsonschema and its YAML parser are not
// linked into the server.
package schemagen

import (
	"encoding/json"
	"fmt"

	"github.com/invopop/jsonschema"

	"github.com/atlas-mcp/atlas-mcp/tools"
)

// Input reflects the tool's input type into the JSON Schema agents
// see. Inputs are closed (unknown arguments are refused) and only fields tagged
// `jsonschema:"required"` are required, because projectId/orgId default from the
// environment.
func Input(t *tools.Tool) (json.RawMessage, error) {
	r := &jsonschema.Reflector{
		ExpandedStruct:             true,
		DoNotReference:             true,
		RequiredFromJSONSchemaTags: true,
		Anonymous:                  true,
	}
	return marshalSchema(r.ReflectFromType(t.InputType))
}

// Output reflects the structured answer. Outputs are open and
// nothing is required, so the same schema also admits the dryRun answer
// ({dryRun, plan}) of write tools, and Atlas adding a field never breaks a host
// that validates structuredContent.
func Output(t *tools.Tool) (json.RawMessage, error) {
	r := &jsonschema.Reflector{
		ExpandedStruct:             true,
		DoNotReference:             true,
		RequiredFromJSONSchemaTags: true,
		AllowAdditionalProperties:  true,
		Anonymous:                  true,
	}
	s := r.ReflectFromType(t.OutputType)
	if t.Access == tools.Write {
		if s.Properties != nil {
			s.Properties.Set("dryRun", &jsonschema.Schema{Type: "boolean", Description: "Present and true when nothing was sent (dryRun:true)."})
			s.Properties.Set("plan", &jsonschema.Schema{Type: "object", Description: "The plan: the requests that would be sent, secrets redacted."})
			s.Properties.Set("planHash", &jsonschema.Schema{Type: "string", Description: "The plan's hash, which an approval is bound to."})
			s.Properties.Set("rendering", &jsonschema.Schema{Type: "object", Description: "What a person approving the call is shown."})
		}
	}
	return marshalSchema(s)
}

func marshalSchema(s *jsonschema.Schema) (json.RawMessage, error) {
	s.Version = ""
	s.ID = ""
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	// Every model provider needs a plain object schema with properties.
	var top map[string]any
	if err := json.Unmarshal(b, &top); err != nil {
		return nil, err
	}
	if top["type"] != "object" {
		return nil, fmt.Errorf("schema is not of type object")
	}
	if _, ok := top["properties"]; !ok {
		top["properties"] = map[string]any{}
	}
	// invopop renders "any JSON" (json.RawMessage) as the boolean schema true;
	// several hosts (the TypeScript SDK among them) accept only object schemas
	// below properties and items, so write it as {}.
	top = noBooleanSchemas(top).(map[string]any)
	if b, err = json.MarshalIndent(top, "", "  "); err != nil {
		return nil, err
	}
	for _, k := range []string{"anyOf", "oneOf", "allOf"} {
		if _, ok := top[k]; ok {
			return nil, fmt.Errorf("schema has a top-level %s", k)
		}
	}
	return append(b, '\n'), nil
}

func noBooleanSchemas(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			switch k {
			case "properties", "$defs", "definitions":
				if m, ok := c.(map[string]any); ok {
					for pk, pv := range m {
						if b, ok := pv.(bool); ok && b {
							m[pk] = map[string]any{}
						} else {
							m[pk] = noBooleanSchemas(pv)
						}
					}
				}
			case "items", "additionalProperties":
				if b, ok := c.(bool); ok && b && k == "items" {
					x[k] = map[string]any{}
				} else {
					x[k] = noBooleanSchemas(c)
				}
			default:
				x[k] = noBooleanSchemas(c)
			}
		}
		return x
	case []any:
		for i := range x {
			x[i] = noBooleanSchemas(x[i])
		}
		return x
	}
	return v
}
