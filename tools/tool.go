// Package tools is the catalogue: one declarative spec per Atlas operation an agent
// may call. A spec says once whether it reads or writes, whether it is destructive,
// what it sends to Atlas and how it summarises the answer; the MCP annotations,
// the policy's area/access check and --read-only are all derived from it.
//
// tools does not import the MCP library or the policy: internal/server adapts specs
// to the protocol and decides whether a call may run.
package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"time"
	"unicode"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// Access says whether a tool only reads Atlas or changes it.
type Access string

const (
	Read  Access = "read"
	Write Access = "write"
)

// Area is the seed's grouping of Atlas endpoints; grants are given per area.
type Area string

const (
	AreaOrganizations Area = "organizations"
	AreaProjects      Area = "projects"
	AreaClusters      Area = "clusters"
	AreaDatabaseUsers Area = "databaseUsers"
	AreaNetworkAccess Area = "networkAccess"
	AreaBackups       Area = "backups"
	AreaAlerts        Area = "alerts"
	AreaAPIKeys       Area = "apiKeys"
	AreaAppServices   Area = "appServices"
)

// Env is what a tool needs at run time. One Env serves every call of a process;
// per-call values (progress) travel in the context.
type Env struct {
	Client *atlasclient.Client
	// Cloud selects commercial or gov rules; gov tightens validation locally.
	Cloud atlasclient.Cloud
	// DefaultProjectID and DefaultOrgID fill projectId / orgId when omitted
	// (MONGODB_ATLAS_PROJECT_ID / MONGODB_ATLAS_ORG_ID).
	DefaultProjectID string
	DefaultOrgID     string
	// PollInterval is how often wait:true re-reads a resource; 0 means 5 s.
	PollInterval time.Duration
}

func (e *Env) gov() bool { return e.Cloud == atlasclient.Gov }

func (e *Env) pollInterval() time.Duration {
	if e.PollInterval > 0 {
		return e.PollInterval
	}
	return 5 * time.Second
}

// pollDelay is the wait before poll number n+1: it starts at half a second and
// doubles up to the poll interval, so a quick change is seen quickly and a slow
// one (a cluster takes minutes) costs few requests.
func (e *Env) pollDelay(n int) time.Duration {
	d := 500 * time.Millisecond
	for i := 1; i < n && d < e.pollInterval(); i++ {
		d *= 2
	}
	return min(d, e.pollInterval())
}

// Facts are what the policy needs to know about a call, taken from the decoded
// and validated input (never from a map of raw arguments).
type Facts struct {
	ProjectID     string
	OrgID         string
	ClusterName   string
	InstanceSize  string
	Providers     []string
	Regions       []string
	AccessEntries []AccessEntry
	DBRoles       []string
	APIKeyRoles   []string
}

// AccessEntry is one network access entry in CIDR form (an IP becomes /32 or /128).
type AccessEntry struct {
	CIDR        string
	Comment     string
	DeleteAfter *time.Time
}

// Confirmation tells a human exactly what a destructive call will do.
type Confirmation struct {
	// Message is the prompt: the tool, the project, the resource, and what cannot be undone.
	Message string
	// TypeToConfirm, when set, is the resource name the person must type (the
	// gravest calls: deleting a project or a cluster).
	TypeToConfirm string
}

// Step is one request a write would send; dryRun answers list them.
type Step struct {
	Method string `json:"method"`
	Path   string `json:"path"`
	Query  string `json:"query,omitempty"`
	Accept string `json:"accept,omitempty"`
	Body   any    `json:"body,omitempty"`
	// Note explains a step whose body depends on state read at run time.
	Note string `json:"note,omitempty"`
}

// Result is a tool's answer. Summary is our own words; Data is text that came
// from Atlas and is fenced as untrusted by the server; Structured matches the
// tool's output schema.
type Result struct {
	Summary    string
	Data       string
	Structured any
	// Notice is shown once at the top (deprecations, sandbox, gov notes).
	Notice string
}

// Tool is a spec with its types erased, ready for the server and the CLI.
type Tool struct {
	Name        string
	Title       string
	Description string
	Area        Area
	Access      Access
	Destructive bool
	Idempotent  bool
	// Permission is the Atlas role the credential needs (the seed's column),
	// looked up from the operation the tool calls.
	Permission string
	// GovUnavailable tools are not registered in gov mode (the feature does not
	// exist in Atlas for Government).
	GovUnavailable bool
	// Grave tools ask the person to type the resource name.
	Grave bool

	InputType  reflect.Type
	OutputType reflect.Type

	decode func(raw json.RawMessage, env *Env) (*Call, error)
}

// Call is one decoded and validated invocation of a tool.
type Call struct {
	Tool   *Tool
	Input  any // the typed input (pointer), for redaction by type tag
	Facts  Facts
	DryRun bool
	// ConfirmationToken is the one-time token of the two-step confirmation
	// (hosts without elicitation); the server checks it.
	ConfirmationToken string
	// ApprovalID resumes a call a person approved in the approval console.
	ApprovalID string
	// Wait is true when the agent asked to block until the resource is stable.
	Wait bool

	plan    func() ([]Step, error)
	run     func(ctx context.Context) (*Result, error)
	confirm func(ctx context.Context) (Confirmation, error)
}

// Decode parses raw JSON arguments into the tool's input type, fills defaults
// and validates them. Errors are *ValidationError.
func (t *Tool) Decode(raw json.RawMessage, env *Env) (*Call, error) { return t.decode(raw, env) }

// Plan lists the requests the call would send (used by dryRun).
func (c *Call) Plan() ([]Step, error) {
	if c.plan == nil {
		return nil, nil
	}
	return c.plan()
}

// Run executes the call against Atlas.
func (c *Call) Run(ctx context.Context) (*Result, error) { return c.run(ctx) }

// Confirmation describes the call for a human's yes. It may read Atlas (to name
// the resource the person is asked to type).
func (c *Call) Confirmation(ctx context.Context) (Confirmation, error) {
	if c.confirm == nil {
		return Confirmation{Message: fmt.Sprintf("%s will run with the arguments shown. Proceed?", c.Tool.Name)}, nil
	}
	return c.confirm(ctx)
}

// input is what every input type implements: defaults and validation, and the
// facts the policy decides on.
type input interface {
	prepare(env *Env) error
	facts() Facts
}

// spec is the declarative form of a tool. In is the input struct, Out the
// structured output.
type spec[In any, Out any] struct {
	Name        string
	Title       string
	Description string
	Area        Area
	Destructive bool
	Idempotent  bool
	// Method and Template name the Atlas operation the tool is about; its
	// read/write access and permission come from it.
	Method   string
	Template string
	// GovUnavailable: see Tool.
	GovUnavailable bool
	Grave          bool

	// Plan returns the requests a write sends, for dryRun. Required for writes.
	Plan func(env *Env, in *In) ([]Step, error)
	// Run performs the call.
	Run func(ctx context.Context, env *Env, in *In) (*Result, error)
	// Confirm describes a destructive call for a person; it may read Atlas.
	Confirm func(ctx context.Context, env *Env, in *In) (Confirmation, error)
}

func (s spec[In, Out]) tool() *Tool {
	op, ok := atlasclient.LookupOperation(s.Method, s.Template)
	if !ok {
		panic(fmt.Sprintf("tools: %s names unknown operation %s %s", s.Name, s.Method, s.Template))
	}
	access := Read
	if s.Method != "GET" {
		access = Write
	}
	t := &Tool{
		Name:           s.Name,
		Title:          s.Title,
		Description:    s.Description,
		Area:           s.Area,
		Access:         access,
		Destructive:    s.Destructive,
		Idempotent:     s.Idempotent || access == Read,
		Permission:     op.Permission,
		GovUnavailable: s.GovUnavailable,
		Grave:          s.Grave,
		InputType:      reflect.TypeFor[In](),
		OutputType:     reflect.TypeFor[Out](),
	}
	t.decode = func(raw json.RawMessage, env *Env) (*Call, error) {
		in := new(In)
		if err := decodeStrict(raw, in); err != nil {
			return nil, err
		}
		p, ok := any(in).(input)
		if !ok {
			panic(fmt.Sprintf("tools: input of %s does not implement prepare/facts", s.Name))
		}
		if err := p.prepare(env); err != nil {
			return nil, err
		}
		c := &Call{Tool: t, Input: in, Facts: p.facts()}
		if w, ok := any(in).(interface{ writeOptions() *WriteOptions }); ok {
			c.DryRun = w.writeOptions().DryRun
			c.ConfirmationToken = w.writeOptions().ConfirmationToken
			c.ApprovalID = w.writeOptions().ApprovalID
		}
		if w, ok := any(in).(interface{ waits() bool }); ok {
			c.Wait = w.waits()
		}
		if s.Plan != nil {
			c.plan = func() ([]Step, error) { return s.Plan(env, in) }
		}
		c.run = func(ctx context.Context) (*Result, error) { return s.Run(ctx, env, in) }
		if s.Confirm != nil {
			c.confirm = func(ctx context.Context) (Confirmation, error) { return s.Confirm(ctx, env, in) }
		}
		return c, nil
	}
	return t
}

// decodeStrict decodes one JSON object, refusing unknown fields and trailing data,
// and turns decoder errors into field-named validation errors.
func decodeStrict(raw json.RawMessage, v any) error {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = []byte("{}")
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			field := jsonPath(te.Field)
			return &ValidationError{Field: field, Problem: fmt.Sprintf("must be %s, not a JSON %s", jsonKind(te.Type), te.Value), Fix: "send the value with the type the input schema gives"}
		case errors.As(err, &se):
			return &ValidationError{Field: "arguments", Problem: "are not valid JSON: " + se.Error(), Fix: "send one JSON object"}
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
			return &ValidationError{Field: name, Problem: "is not an argument of this tool", Fix: "remove it; the input schema lists every argument"}
		default:
			return &ValidationError{Field: "arguments", Problem: err.Error(), Fix: "send one JSON object matching the input schema"}
		}
	}
	if dec.More() {
		return &ValidationError{Field: "arguments", Problem: "hold more than one JSON value", Fix: "send exactly one JSON object"}
	}
	return nil
}

func jsonKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int32, reflect.Int64, reflect.Uint, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Map, reflect.Struct:
		return "an object"
	}
	return t.String()
}

// jsonPath turns the decoder's field path into the argument's name: Go's path
// includes the names of embedded structs (Paging.pageNum), which are not
// arguments; JSON names here are camelCase, Go's are exported.
func jsonPath(goPath string) string {
	var parts []string
	for _, p := range strings.Split(goPath, ".") {
		if p != "" && !unicode.IsUpper(rune(p[0])) {
			parts = append(parts, p)
		}
	}
	if len(parts) == 0 {
		return "arguments"
	}
	return strings.Join(parts, ".")
}
