package tools

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// A get tool is its operation, the parameters its input fills in, and how it
// answers with the one document Atlas returns: getSpec holds those and
// nothing else, and builds the Run every get tool shares (one request of the
// spec's own operation, one decode, the full document only when verbose).
type getSpec[In any, T any, Out any] struct {
	Name        string
	Title       string
	Description string
	Area        Area
	// Op is the Atlas read; the tool's access and permission come from it,
	// and it is the request the tool sends.
	Op             atlasclient.OpID
	GovUnavailable bool
	// Decode turns the document into the item; nil decodes it as T.
	Decode func(json.RawMessage) (T, error)
	// Noun names the document in a decoding error: "organization".
	Noun string
	// Answer words the result. raw is the full document when the agent
	// asked for verbose, nil otherwise; Out is the structured output.
	Answer func(in *In, item T, raw json.RawMessage) *Result
}

// getter is what a get tool's input provides besides prepare and facts: the
// operation's path parameters (its own ID among them) and whether the full
// document was asked for.
type getter interface {
	input
	params() map[string]string
	verbose() bool
}

func (v Verbosity) verbose() bool { return v.Verbose }

func (s getSpec[In, T, Out]) tool() *Tool {
	if _, ok := any(new(In)).(getter); !ok {
		panic(fmt.Sprintf("tools: input of get tool %s has no params and verbose", s.Name))
	}
	decode := s.Decode
	if decode == nil {
		decode = unmarshalAs[T]
	}
	return spec[In, Out]{
		Name: s.Name, Title: s.Title, Description: s.Description, Area: s.Area,
		Op: s.Op, GovUnavailable: s.GovUnavailable,
		Run: func(ctx context.Context, env *Env, in *In) (*Result, error) {
			g := any(in).(getter)
			item, raw, err := fetchOne(ctx, env, &atlasclient.Request{Op: s.Op, Params: g.params()}, s.Noun, decode)
			if err != nil {
				return nil, err
			}
			if !g.verbose() {
				raw = nil
			}
			return s.Answer(in, item, raw), nil
		},
	}.tool()
}

// fetchOne reads one document and decodes it: the get tools' read, and the
// read a write makes of its target before planning.
func fetchOne[T any](ctx context.Context, env *Env, req *atlasclient.Request, noun string, decode func(json.RawMessage) (T, error)) (T, json.RawMessage, error) {
	var raw json.RawMessage
	var item T
	if _, err := env.Client.Do(ctx, req, &raw); err != nil {
		return item, nil, err
	}
	item, err := decode(raw)
	if err != nil {
		return item, nil, fmt.Errorf("decoding the %s Atlas returned: %w", noun, err)
	}
	return item, raw, nil
}
