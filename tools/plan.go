package tools

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/gowebpki/jcs"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// A Plan is the one object of a call: the exact Atlas requests it will send.
// The policy judges the facts taken from it, the person approves its
// rendering, the audit log records it before the first write leaves, and the
// client sends its requests byte for byte. A check made on anything else (the
// flat arguments, a summary) could be walked around by whatever it did not see.
type Plan struct {
	Tool  string `json:"tool"`
	Agent string `json:"agent"`
	// Requests are the writes, in the order they are sent. Bodies are the
	// RFC 8785 canonical bytes, so equal hashes mean equal bytes on the wire.
	Requests []PlannedRequest `json:"requests"`
	// Observed holds what planning read that the person's yes depends on —
	// the target's Atlas ID above all: a cluster deleted and re-created under
	// the same name has another ID, so the same call makes another plan.
	Observed map[string]string `json:"observed,omitempty"`

	// Facts are what the policy needs, taken from Requests (never from the
	// arguments) plus the call's scope.
	Facts Facts `json:"-"`
	// Render is the plan for a person.
	Render Rendering `json:"-"`
	// ReadOnly plans send only reads, made by the tool itself when it runs.
	ReadOnly bool `json:"-"`

	// hashKey keys the commitments to secret values in the hash (Env.PlanKey).
	hashKey []byte
	// secretValues caches SecretValues.
	secretValues []string
	secretsFound bool
}

// PlannedRequest is one Atlas request exactly as it goes on the wire.
type PlannedRequest struct {
	Method string          `json:"method"`
	Path   string          `json:"path"`
	Query  string          `json:"query,omitempty"`
	Accept string          `json:"accept,omitempty"`
	Body   json.RawMessage `json:"body,omitempty"`

	// req is what the client is handed: the same template and parameters
	// the path was resolved from, and Body as the exact bytes above.
	req *atlasclient.Request
	// op names the operation, for facts and rendering.
	op atlasclient.OpID
	// secretFields are members of Body that hold credentials: the person and
	// the log see them masked, Atlas receives them.
	secretFields []string
}

// Op is the operation the request carries out.
func (r *PlannedRequest) Op() atlasclient.OpID { return r.op }

// Param is the raw value of one path placeholder.
func (r *PlannedRequest) Param(name string) string {
	if r.req == nil {
		return ""
	}
	return r.req.Params[name]
}

// Hash is the call's identity from planning on: SHA-256 over the RFC 8785
// canonical JSON of the tool, the agent, the requests and what was observed.
//
// Secret body members (passwords, notification keys) enter the hash as
// HMACs under the server's plan key, not as themselves: the hash binds them,
// yet a hash in the log or the approval store cannot be used to guess them.
func (p *Plan) Hash() (string, error) {
	c := *p
	c.Requests = make([]PlannedRequest, len(p.Requests))
	for i, r := range p.Requests {
		if len(r.secretFields) > 0 || len(r.Body) > 0 {
			b, err := commitSecrets(r.Body, r.secretFields, p.hashKey)
			if err != nil {
				return "", fmt.Errorf("hashing plan: %w", err)
			}
			r.Body = b
		}
		c.Requests[i] = r
	}
	b, err := json.Marshal(&c)
	if err != nil {
		return "", fmt.Errorf("encoding plan: %w", err)
	}
	canon, err := jcs.Transform(b)
	if err != nil {
		return "", fmt.Errorf("canonicalising plan: %w", err)
	}
	sum := sha256.Sum256(canon)
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}

// SecretValues are the string values of the secret members of the plan's
// bodies (a database user's password, a notification's API key). The
// records of the call are scrubbed of them as they are of the configured
// credentials, so that an Atlas error quoting one, or a reason that
// repeats it, never lands in the audit log in the clear.
func (p *Plan) SecretValues() []string {
	// Both records of a write (intent and outcome) ask; the bodies do not
	// change after planning, so the walk is done once.
	if p.secretsFound {
		return p.secretValues
	}
	p.secretsFound = true
	var out []string
	defer func() { p.secretValues = out }()
	for _, r := range p.Requests {
		if len(bytes.TrimSpace(r.Body)) == 0 {
			continue
		}
		var v any
		if json.Unmarshal(r.Body, &v) != nil {
			continue
		}
		names := make(map[string]bool, len(r.secretFields))
		for _, f := range r.secretFields {
			names[strings.ToLower(f)] = true
		}
		redactValue(v, names, 0, func(secret any) any {
			if s, ok := secret.(string); ok && s != "" {
				out = append(out, s)
			}
			return secret
		}, false)
	}
	return out
}

// Redacted is the plan as people and the audit log see it: secret members of
// every body are masked. Its shape is the plan's, so a record shows exactly
// which requests were sent.
func (p *Plan) Redacted() *Plan {
	out := *p
	out.Requests = make([]PlannedRequest, len(p.Requests))
	for i, r := range p.Requests {
		r.Body = redactBody(r.Body, r.secretFields)
		out.Requests[i] = r
	}
	return &out
}

// Rendering is a plan for a person: what changes, where, and what cannot be
// undone. It is built from the plan's requests and what planning read, never
// from a generic sentence.
type Rendering struct {
	// Title says what the call does, naming the resource and project by
	// name and ID where planning knows them.
	Title string `json:"title"`
	// Changes are before → after for an update; empty Before means new.
	Changes []Change `json:"changes,omitempty"`
	// Lines are further facts a person needs: every entry and what it
	// opens, every role, the target of a restore.
	Lines []string `json:"lines,omitempty"`
	// Irreversible says what cannot be undone; empty when all can be.
	Irreversible string `json:"irreversible,omitempty"`
	// TypeToConfirm is the name the person must type for the gravest calls.
	TypeToConfirm string `json:"typeToConfirm,omitempty"`
}

// Change is one field that a call changes.
type Change struct {
	Field  string `json:"field"`
	Before string `json:"before,omitempty"`
	After  string `json:"after"`
}

// Text is the rendering as plain text, for elicitation, the terminal and
// the approval console.
func (r Rendering) Text() string {
	var b strings.Builder
	b.WriteString(r.Title)
	for _, c := range r.Changes {
		if c.Before == "" {
			fmt.Fprintf(&b, "\n  • %s: %s", c.Field, c.After)
		} else {
			fmt.Fprintf(&b, "\n  • %s: %s → %s", c.Field, c.Before, c.After)
		}
	}
	for _, l := range r.Lines {
		b.WriteString("\n  • " + l)
	}
	if r.Irreversible != "" {
		b.WriteString("\nThis cannot be undone: " + r.Irreversible + ".")
	}
	return b.String()
}

// Builder collects a plan while a tool builds it.
type Builder struct {
	ctx  context.Context
	env  *Env
	plan *Plan
}

// Read reads Atlas while planning (the current state an update starts from,
// the resource a delete names) and decodes the answer into out, when given.
// Reads are recorded with the call like every other request.
func (b *Builder) Read(req *atlasclient.Request, out any) (json.RawMessage, error) {
	var raw json.RawMessage
	if _, err := b.env.Client.Do(b.ctx, req, &raw); err != nil {
		return nil, err
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return nil, fmt.Errorf("decoding %s: %w", req.Op, err)
		}
	}
	return raw, nil
}

// Send adds a write request to the plan. The body is encoded once, checked
// against the operation's request schema for the version it is sent with, and
// kept as its canonical bytes: those bytes are what is hashed, shown, recorded
// and sent. secretFields name body members that hold credentials.
func (b *Builder) Send(req *atlasclient.Request, secretFields ...string) error {
	op, ok := req.Operation()
	if !ok {
		return fmt.Errorf("tools: %s plans unknown operation %q", b.plan.Tool, req.Op)
	}
	var body json.RawMessage
	if req.Body != nil {
		raw, err := encodeBody(req.Body)
		if err != nil {
			return err
		}
		if b.env.Bodies != nil {
			if err := b.env.Bodies.Validate(op.Method, op.Template, op.Version, raw); err != nil {
				return bodyError(err)
			}
		}
		body = raw
	}
	sent := *req
	if body != nil {
		// Plain []byte: the client sends it as it is. A json.RawMessage
		// would go through json.Marshal, which re-escapes <, > and & —
		// other bytes than the plan's.
		sent.Body = []byte(body)
	}
	res, err := b.env.Client.Resolve(&sent)
	if err != nil {
		return err
	}
	b.plan.Requests = append(b.plan.Requests, PlannedRequest{
		Method: res.Method, Path: res.Path, Query: res.Query, Accept: res.Accept, Body: body,
		req: &sent, op: op.ID, secretFields: secretFields,
	})
	return nil
}

// Observe records a fact of the current state the plan depends on.
func (b *Builder) Observe(key, value string) {
	if b.plan.Observed == nil {
		b.plan.Observed = map[string]string{}
	}
	b.plan.Observed[key] = value
}

// Render sets the plan's rendering for people.
func (b *Builder) Render(r Rendering) { b.plan.Render = r }

// Facts gives the tool's own additions to the facts taken from the requests
// (a restore's source cluster, for example).
func (b *Builder) Facts() *Facts { return &b.plan.Facts }

// Gov reports whether the plan is for Atlas for Government.
func (b *Builder) Gov() bool { return b.env.gov() }

// BodyValidator checks a request body against the operation's request schema
// for the dated version it is sent with (internal/atlasspec).
type BodyValidator interface {
	Validate(method, template, version string, body []byte) error
}

// encodeBody turns a body into its RFC 8785 canonical bytes. A body given as
// bytes is taken as JSON and canonicalised too, so no spelling of the same
// document makes a different plan.
func encodeBody(v any) (json.RawMessage, error) {
	var raw []byte
	switch b := v.(type) {
	case json.RawMessage:
		raw = b
	case []byte:
		raw = b
	default:
		var err error
		if raw, err = json.Marshal(v); err != nil {
			return nil, fmt.Errorf("encoding request body: %w", err)
		}
	}
	c, err := jcs.Transform(raw)
	if err != nil {
		return nil, &ValidationError{Field: "body", Problem: "is not valid JSON: " + err.Error(), Fix: "send one JSON document"}
	}
	return c, nil
}

// bodyError turns a schema error into the field-named error the agent sees.
func bodyError(err error) error {
	var fe fieldError
	if errors.As(err, &fe) {
		return &ValidationError{Field: orText(fe.FieldPath(), "body"), Problem: fe.ProblemText(), Fix: fe.FixText()}
	}
	return &ValidationError{Field: "body", Problem: err.Error(), Fix: "send only fields the Atlas API accepts for this operation"}
}

// fieldError is what a BodyValidator's errors say: which field, what is
// wrong with it, and how to fix it.
type fieldError interface {
	error
	FieldPath() string
	ProblemText() string
	FixText() string
}

func orText(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// underArgument names a body's field error by the argument the agent gave it
// in: the schema speaks of the Atlas body, the agent wrote `body`, so
// "replicationSpecs[0]…" becomes "body.replicationSpecs[0]…".
func underArgument(arg string, given bool, err error) error {
	var ve *ValidationError
	if !given || !errors.As(err, &ve) || ve.Field == arg || strings.HasPrefix(ve.Field, arg+".") {
		return err
	}
	out := *ve
	out.Field = arg + "." + strings.TrimPrefix(ve.Field, "body.")
	if strings.HasPrefix(ve.Field, "[") {
		out.Field = arg + ve.Field
	}
	return &out
}
