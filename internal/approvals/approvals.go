// Package approvals keeps the approval requests that wait for a person: the
// store (an embedded SQLite file, or PostgreSQL when replicas share it), the
// service that creates, decides and redeems them, the approval console (web
// page and JSON API) and webhook notifications.
//
// It knows plans and approvers, not MCP: a request is bound to a plan hash and
// shows the plan's rendering; whoever asks (the MCP server, a test) supplies
// both. A yes for one plan hash never redeems another, and redeems once.
package approvals

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"
)

// Rendering is what a person reads before deciding: a title and the lines of
// the plan (tool, project and resource by name and ID, before → after, every
// entry or role, why the policy asks, what cannot be undone).
type Rendering struct {
	Title string   `json:"title"`
	Lines []string `json:"lines"`
}

// Status is where a request is in its life.
type Status string

// Statuses. A request starts pending, is decided (approved or denied) or
// expires, and an approved one becomes used when its call runs.
const (
	StatusPending  Status = "pending"
	StatusApproved Status = "approved"
	StatusDenied   Status = "denied"
	StatusExpired  Status = "expired"
	StatusUsed     Status = "used"
)

// Decision is one approver's answer.
type Decision struct {
	Approver string `json:"approver"`
	// Rule is the policy setting the approver signed in by
	// ("approvers.sre-leads.match", "approvers.alice.tokenSha256").
	Rule string `json:"rule,omitempty"`
	// Issuer and Subject name the person, when they signed in with the
	// identity provider.
	Issuer  string    `json:"issuer,omitempty"`
	Subject string    `json:"subject,omitempty"`
	Approve bool      `json:"approve"`
	Reason  string    `json:"reason,omitempty"`
	At      time.Time `json:"at"`
}

// Request is one call waiting for (or given) a person's yes.
type Request struct {
	ID       string `json:"id"`
	Status   Status `json:"status"`
	PlanHash string `json:"planHash"`
	// Plan is the redacted plan, for the record and for reviewers who want
	// the exact requests; it never carries secrets.
	Plan      json.RawMessage `json:"plan,omitempty"`
	Rendering Rendering       `json:"rendering"`
	Agent     string          `json:"agent"`
	// The person behind an OAuth agent, who may not approve it either.
	AgentIssuer  string `json:"agentIssuer,omitempty"`
	AgentSubject string `json:"agentSubject,omitempty"`
	AgentActor   string `json:"agentActor,omitempty"`
	Tool         string `json:"tool"`
	Area         string `json:"area,omitempty"`
	ProjectID    string `json:"projectId,omitempty"`
	Resource     string `json:"resource,omitempty"`
	// Rule and Why are the policy's reason for asking.
	Rule      string     `json:"rule,omitempty"`
	Why       string     `json:"why,omitempty"`
	Required  int        `json:"required"`
	CreatedAt time.Time  `json:"createdAt"`
	ExpiresAt time.Time  `json:"expiresAt"`
	Decisions []Decision `json:"decisions,omitempty"`
	DecidedAt time.Time  `json:"decidedAt,omitzero"`
	UsedAt    time.Time  `json:"usedAt,omitzero"`
}

// Approvals counts the distinct approvers who said yes.
func (r *Request) Approvals() int {
	n := 0
	for _, d := range r.Decisions {
		if d.Approve {
			n++
		}
	}
	return n
}

// DeniedBy returns the deciding "no", if any.
func (r *Request) DeniedBy() (Decision, bool) {
	for _, d := range r.Decisions {
		if !d.Approve {
			return d, true
		}
	}
	return Decision{}, false
}

// Errors callers branch on with errors.Is.
var (
	ErrNotFound       = errors.New("no such approval request")
	ErrNotPending     = errors.New("the request is no longer pending")
	ErrPending        = errors.New("the request is still waiting for approval")
	ErrDenied         = errors.New("the request was denied")
	ErrExpired        = errors.New("the request expired")
	ErrUsed           = errors.New("the approval was already used")
	ErrPlanMismatch   = errors.New("the approval was given for a different plan")
	ErrOwnRequest     = errors.New("nobody approves their own request")
	ErrOutOfScope     = errors.New("the approver may not approve this call")
	ErrAlreadyDecided = errors.New("this approver already decided")
	ErrReasonRequired = errors.New("a denial needs a reason")
)

// newID returns a random ID with a prefix; the suffix is 32 hex digits.
func newID(prefix string) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return prefix + hex.EncodeToString(b[:])
}

// ValidID reports whether s looks like an approval ID, so junk never reaches
// the store.
func ValidID(s string) bool {
	if len(s) != 36 || s[:4] != "apr_" {
		return false
	}
	_, err := hex.DecodeString(s[4:])
	return err == nil
}
