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
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/atlas-mcp/atlas-mcp/access"
	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// Access says whether a tool only reads Atlas or changes it; Area is the
// seed's grouping of Atlas endpoints, on which grants are given. Both are
// package access's types, shared with the policy.
type (
	Access = access.Mode
	Area   = access.Area
)

// The modes and areas under the catalogue's names.
const (
	Read  = access.Read
	Write = access.Write

	AreaOrganizations = access.Organizations
	AreaProjects      = access.Projects
	AreaClusters      = access.Clusters
	AreaDatabaseUsers = access.DatabaseUsers
	AreaNetworkAccess = access.NetworkAccess
	AreaBackups       = access.Backups
	AreaAlerts        = access.Alerts
	AreaAPIKeys       = access.APIKeys
	AreaAppServices   = access.AppServices
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
	// Bodies checks every planned body against the Atlas request schema of
	// the version it is sent with; nil skips the check (tests of other parts).
	Bodies BodyValidator
	// PlanKey keys the secret commitments in plan hashes. Replicas that must
	// agree on a plan's hash (a call approved on one, resumed on another)
	// share it; empty means a random key for this process.
	PlanKey []byte

	planKeyOnce sync.Once
	planKey     []byte
}

// hashKey is PlanKey, or one random key drawn once for this Env.
func (e *Env) hashKey() []byte {
	e.planKeyOnce.Do(func() {
		if len(e.PlanKey) > 0 {
			e.planKey = e.PlanKey
			return
		}
		e.planKey = make([]byte, 32)
		if _, err := rand.Read(e.planKey); err != nil {
			panic(err) // crypto/rand does not fail on supported platforms
		}
	})
	return e.planKey
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
	// Confirms says why a person must confirm the tool's calls by default,
	// though it is not destructive (e.g. it creates a credential); empty:
	// only when the policy says so. It reaches the policy in ToolInfo.
	Confirms string

	InputType  reflect.Type
	OutputType reflect.Type

	decode func(raw json.RawMessage, env *Env) (*Call, error)
	// inputSchema is the committed input schema, compiled on the tool's
	// first call and kept: compiling every schema at start-up would cost
	// every process, most of which call few tools.
	inputSchema func() (*jsonschema.Schema, error)
}

// Call is one decoded and validated invocation of a tool.
type Call struct {
	Tool  *Tool
	Input any // the typed input (pointer); its JSON form masks every Secret
	// Facts is the call's scope as the input names it. The policy's decision
	// on a write is made on the plan's facts (Plan.Facts), which start from it.
	Facts  Facts
	DryRun bool
	// ConfirmationToken and ApprovalID carry a person's earlier yes to the
	// call that redeems it; the server checks them against the plan.
	ConfirmationToken string
	ApprovalID        string
	// Wait is true when the agent asked to block until the resource is stable.
	Wait bool

	build    func(ctx context.Context, b *Builder) error
	answer   func(ctx context.Context, p *Plan, answers []json.RawMessage) (*Result, error)
	run      func(ctx context.Context) (*Result, error)
	standing func(ctx context.Context, f *Facts) error
	env      *Env
}

// JudgedOnStanding says whether the policy judges the call's plan against
// state it must read from Atlas (ReadStanding) once the plan alone passes.
func (c *Call) JudgedOnStanding() bool { return c.standing != nil }

// ReadStanding reads that state into p's facts. Call it only after the
// policy allowed p on its own facts: nothing is read for a call refused on
// what it would send.
func (c *Call) ReadStanding(ctx context.Context, p *Plan) error {
	if c.standing == nil {
		return nil
	}
	return c.standing(ctx, &p.Facts)
}

// Decode parses raw JSON arguments into the tool's input type, fills defaults
// and validates them. Errors are *ValidationError.
func (t *Tool) Decode(raw json.RawMessage, env *Env) (*Call, error) { return t.decode(raw, env) }

// Plan builds the call's plan for agent: the exact requests a write will
// send, with the facts the policy judges and the rendering a person approves.
// Planning may read Atlas (an update starts from the current resource). A
// read tool's plan is its scope: it sends only reads, which it makes itself.
func (c *Call) Plan(ctx context.Context, agent string) (*Plan, error) {
	p := &Plan{Tool: c.Tool.Name, Agent: agent, hashKey: c.env.hashKey()}
	if c.build == nil {
		p.ReadOnly = true
		p.Facts = c.Facts
		if p.Facts.ProjectID != "" {
			p.Facts.Projects = []string{p.Facts.ProjectID}
		}
		return p, nil
	}
	if err := c.build(ctx, &Builder{ctx: ctx, env: c.env, plan: p}); err != nil {
		return nil, err
	}
	if len(p.Requests) == 0 {
		return nil, fmt.Errorf("tools: %s planned no request", c.Tool.Name)
	}
	f, err := planFacts(scopeFacts(c.Facts), p)
	if err != nil {
		return nil, err
	}
	p.Facts = f
	// Atlas for Government's rules hold on the final requests, however
	// the body was put together.
	if c.env.gov() {
		if err := govCheck(f, p); err != nil {
			return nil, err
		}
	}
	if p.Render.Title == "" {
		return nil, fmt.Errorf("tools: %s planned no rendering", c.Tool.Name)
	}
	return p, nil
}

// Execute sends exactly the plan's requests, in order, and answers from what
// Atlas returned. For a read plan it runs the read.
func (c *Call) Execute(ctx context.Context, p *Plan) (*Result, error) {
	if p.ReadOnly {
		return c.run(ctx)
	}
	answers := make([]json.RawMessage, 0, len(p.Requests))
	for i := range p.Requests {
		var raw json.RawMessage
		if _, err := c.env.Client.Do(ctx, p.Requests[i].req, &raw); err != nil {
			if i > 0 {
				return nil, &PartialError{Sent: i, Of: len(p.Requests), Err: err}
			}
			return nil, err
		}
		answers = append(answers, raw)
	}
	return c.answer(ctx, p, answers)
}

// PartialError reports a plan whose first requests were carried out before a
// later one failed: the agent must know what already changed.
type PartialError struct {
	Sent, Of int
	Err      error
}

func (e *PartialError) Error() string {
	return fmt.Sprintf("%d of %d planned requests were carried out before this one failed: %v", e.Sent, e.Of, e.Err)
}
func (e *PartialError) Unwrap() error { return e.Err }

// input is what every input type implements: defaults and validation, and the
// call's scope.
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
	// Op names the Atlas operation the tool is about (its row in
	// atlasclient's operations table); its read/write access and permission
	// come from it, and the tool's requests name operations the same way.
	Op atlasclient.OpID
	// GovUnavailable: see Tool.
	GovUnavailable bool
	Grave          bool
	// Confirms: see Tool.
	Confirms string

	// Build makes a write's plan: the requests it sends (Builder.Send), what
	// it reads first, what it observed and its rendering. Required for writes.
	Build func(ctx context.Context, env *Env, in *In, b *Builder) error
	// Answer summarises Atlas's answers to the plan's requests (and waits,
	// when asked). Required for writes.
	Answer func(ctx context.Context, env *Env, in *In, p *Plan, answers []json.RawMessage) (*Result, error)
	// Run performs a read.
	Run func(ctx context.Context, env *Env, in *In) (*Result, error)
	// Standing reads, into the plan's facts, the state in Atlas the policy
	// judges the plan against (atlas-create-access-list: the entries the
	// list holds already). The server calls it only once the plan's own
	// facts are allowed, so a call refused on what it sends reads nothing;
	// then it decides again. Optional, writes only.
	Standing func(ctx context.Context, env *Env, in *In, f *Facts) error
}

func (s spec[In, Out]) tool() *Tool {
	op, ok := atlasclient.LookupOp(s.Op)
	if !ok {
		panic(fmt.Sprintf("tools: %s names unknown operation %q", s.Name, s.Op))
	}
	access := Read
	if op.Method != "GET" {
		access = Write
	}
	if access == Write && (s.Build == nil || s.Answer == nil || s.Run != nil) {
		panic(fmt.Sprintf("tools: write tool %s must plan (Build, Answer) and not Run", s.Name))
	}
	if access == Read && (s.Run == nil || s.Build != nil || s.Standing != nil) {
		panic(fmt.Sprintf("tools: read tool %s must Run, and neither Build nor read Standing state", s.Name))
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
		Confirms:       s.Confirms,
		InputType:      reflect.TypeFor[In](),
		OutputType:     reflect.TypeFor[Out](),
	}
	t.inputSchema = sync.OnceValues(func() (*jsonschema.Schema, error) { return compileInput(s.Name) })
	t.decode = func(raw json.RawMessage, env *Env) (*Call, error) {
		in := new(In)
		if err := decodeStrict(raw, in, t.validateArgs); err != nil {
			return nil, err
		}
		p, ok := any(in).(input)
		if !ok {
			panic(fmt.Sprintf("tools: input of %s does not implement prepare/facts", s.Name))
		}
		if err := p.prepare(env); err != nil {
			return nil, err
		}
		c := &Call{Tool: t, Input: in, Facts: p.facts(), env: env}
		if w, ok := any(in).(interface{ writeOptions() *WriteOptions }); ok {
			c.DryRun = w.writeOptions().DryRun
			c.ConfirmationToken = w.writeOptions().ConfirmationToken
			c.ApprovalID = w.writeOptions().ApprovalID
		}
		if w, ok := any(in).(interface{ waits() bool }); ok {
			c.Wait = w.waits()
		}
		if s.Build != nil {
			c.build = func(ctx context.Context, b *Builder) error { return s.Build(ctx, env, in, b) }
			c.answer = func(ctx context.Context, p *Plan, answers []json.RawMessage) (*Result, error) {
				return s.Answer(ctx, env, in, p, answers)
			}
		}
		if s.Run != nil {
			c.run = func(ctx context.Context) (*Result, error) { return s.Run(ctx, env, in) }
		}
		if s.Standing != nil {
			c.standing = func(ctx context.Context, f *Facts) error { return s.Standing(ctx, env, in, f) }
		}
		return c, nil
	}
	return t
}

// validateArgs holds raw arguments to the tool's committed input schema.
func (t *Tool) validateArgs(raw []byte) error {
	s, err := t.inputSchema()
	if err != nil {
		return err
	}
	return validateArgs(raw, s)
}

// decodeStrict decodes one JSON object, refusing unknown fields and trailing data,
// and turns decoder errors into field-named validation errors. Between the
// key check and the decode, validate (when not nil) holds the arguments to
// the input schema, so every rule the schema states is enforced as written.
func decodeStrict(raw json.RawMessage, v any, validate func([]byte) error) error {
	if len(bytes.TrimSpace(raw)) == 0 || bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
		raw = []byte("{}")
	}
	// Go's decoder matches keys case-insensitively, the last one winning:
	// {"Username":"a","username":"b"} would decode to b while a check of the
	// raw JSON saw a. Refuse every such argument before decoding.
	if err := checkKeys(raw, reflect.TypeOf(v)); err != nil {
		return err
	}
	if validate != nil {
		if err := validate(raw); err != nil {
			return err
		}
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
