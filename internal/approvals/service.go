package approvals

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/policy"
)

// Options configure a Service.
type Options struct {
	Store Store
	// ConsoleURL is the console's public address (…/approvals), used in
	// links the agent, the person and the webhook see.
	ConsoleURL string
	// Notifier is optional: webhooks on new, approved, denied, expired.
	Notifier *Notifier
	Now      func() time.Time
	// OnError reports failures that cannot fail the caller (a webhook down).
	OnError func(error)
}

// Service creates, decides and redeems approval requests over one store. The
// MCP server, the console, `approvals serve` and the CLI each build one over
// the same store and see the same requests.
type Service struct {
	store   Store
	url     string
	notify  *Notifier
	now     func() time.Time
	onError func(error)
	onEvent func(ctx context.Context, ev Event, r *Request)
}

// SetOnEvent sets a function told of every event this process causes (new,
// approved, denied, expired), e.g. to record it. Set it before the service is
// used: it is read without a lock.
func (s *Service) SetOnEvent(fn func(ctx context.Context, ev Event, r *Request)) { s.onEvent = fn }

// NewService builds a service; Store is required.
func NewService(o Options) *Service {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.OnError == nil {
		o.OnError = func(error) {}
	}
	return &Service{store: o.Store, url: strings.TrimRight(o.ConsoleURL, "/"), notify: o.Notifier, now: o.Now, onError: o.OnError}
}

// Store is the service's store (for one-time state kept beside requests).
func (s *Service) Store() Store { return s.store }

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// URL is the console page of a request ("" when no console URL is known).
func (s *Service) URL(id string) string {
	if s.url == "" {
		return ""
	}
	return s.url + "/" + id
}

// ConsoleURL is the console's address.
func (s *Service) ConsoleURL() string { return s.url }

// NewRequest is what the caller knows when it asks for an approval.
type NewRequest struct {
	PlanHash  string
	Plan      []byte // already redacted
	Rendering Rendering
	Agent     string
	// AgentIssuer, AgentSubject and AgentActor are the person behind an
	// OAuth agent (its token's iss, sub and act): that person cannot approve
	// the request either.
	AgentIssuer, AgentSubject, AgentActor string
	Tool                                  string
	Area                                  string
	ProjectID                             string
	Resource                              string
	Rule, Why                             string
	Required                              int
	TTL                                   time.Duration
}

// Submit stores a new pending request and announces it.
func (s *Service) Submit(ctx context.Context, n NewRequest) (*Request, error) {
	if n.PlanHash == "" || n.Agent == "" || n.Tool == "" {
		return nil, fmt.Errorf("approvals: a request needs a plan hash, an agent and a tool")
	}
	if n.Required < 1 {
		n.Required = 1
	}
	if n.TTL <= 0 {
		n.TTL = time.Hour
	}
	now := s.now().UTC()
	r := &Request{
		ID: newID("apr_"), Status: StatusPending, PlanHash: n.PlanHash, Plan: n.Plan, Rendering: n.Rendering,
		Agent: n.Agent, AgentIssuer: n.AgentIssuer, AgentSubject: n.AgentSubject, AgentActor: n.AgentActor, Tool: n.Tool, Area: n.Area, ProjectID: n.ProjectID, Resource: n.Resource,
		Rule: n.Rule, Why: n.Why, Required: n.Required, CreatedAt: now, ExpiresAt: now.Add(n.TTL),
	}
	if err := s.store.Create(ctx, r); err != nil {
		return nil, err
	}
	s.announce(ctx, EventNew, r)
	return r, nil
}

// Get returns a request, marking it expired first when its time is up.
func (s *Service) Get(ctx context.Context, id string) (*Request, error) {
	r, err := s.store.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	if r.Status == StatusPending && !s.now().Before(r.ExpiresAt) {
		return s.expire(ctx, id)
	}
	return r, nil
}

// List returns requests, newest first, after expiring those past due.
func (s *Service) List(ctx context.Context, limit int, statuses ...Status) ([]*Request, error) {
	if err := s.Sweep(ctx); err != nil {
		return nil, err
	}
	return s.store.List(ctx, limit, statuses...)
}

// Decider is who decides: the approver of the policy and, when they signed
// in with the identity provider, the person and the match rule.
type Decider struct {
	Approver *policy.Approver
	// Rule is the setting they signed in by; default the approver's token
	// setting.
	Rule            string
	Issuer, Subject string
}

// TokenDecider is an approver who authenticated with their token.
func TokenDecider(a *policy.Approver) Decider {
	d := Decider{Approver: a}
	if a != nil {
		d.Rule = a.TokenRule()
	}
	return d
}

// decided reports whether this decider already decided the request. An
// approver that is one person decides once whichever way they sign in; the
// members of a group approver each decide once, as themselves.
func (dc Decider) decided(d Decision) bool {
	if dc.Subject != "" && d.Subject == dc.Subject && d.Issuer == dc.Issuer {
		return true
	}
	return d.Approver == dc.Approver.Name && (dc.Approver.OnePerson() || dc.Subject == "" || d.Subject == "")
}

// behindAgent reports whether the decider is the person the asking agent
// acted for (its token's subject or actor, at the same issuer).
func (dc Decider) behindAgent(r *Request) bool {
	return dc.Subject != "" && dc.Issuer == r.AgentIssuer && (dc.Subject == r.AgentSubject || dc.Subject == r.AgentActor)
}

// Decide records one approver's decision made with their token.
func (s *Service) Decide(ctx context.Context, id string, a *policy.Approver, approve bool, reason string) (*Request, error) {
	return s.DecideAs(ctx, id, TokenDecider(a), approve, reason)
}

// DecideAs records one approver's decision. The approver must be in scope,
// must not be the agent that asked, and decides once; one "no" denies, and
// the request is approved when enough distinct people said yes.
func (s *Service) DecideAs(ctx context.Context, id string, dc Decider, approve bool, reason string) (*Request, error) {
	a := dc.Approver
	if a == nil {
		return nil, fmt.Errorf("approvals: %w", ErrOutOfScope)
	}
	reason = strings.TrimSpace(reason)
	if !approve && reason == "" {
		return nil, ErrReasonRequired
	}
	if len(reason) > 2000 {
		reason = reason[:2000]
	}
	now := s.now().UTC()
	before := StatusPending
	r, err := s.store.Update(ctx, id, func(r *Request) error {
		before = r.Status
		switch {
		case r.Status != StatusPending:
			return fmt.Errorf("%s is %s: %w", r.ID, r.Status, ErrNotPending)
		case !now.Before(r.ExpiresAt):
			return fmt.Errorf("%s: %w", r.ID, ErrExpired)
		case a.Name == r.Agent:
			return fmt.Errorf("%s asked by %s: %w", r.ID, r.Agent, ErrOwnRequest)
		case dc.behindAgent(r):
			return fmt.Errorf("%s asked by %s on behalf of %s: %w", r.ID, r.Agent, dc.Subject, ErrOwnRequest)
		case !a.MayApprove(policy.Area(r.Area), r.ProjectID, r.Tool):
			return fmt.Errorf("%s may approve %s, not %s in project %s: %w", a.Name, a.Scope(), r.Tool, orNone(r.ProjectID), ErrOutOfScope)
		}
		for _, d := range r.Decisions {
			if dc.decided(d) {
				return fmt.Errorf("%s already decided %s: %w", orText(dc.Subject, a.Name), r.ID, ErrAlreadyDecided)
			}
		}
		r.Decisions = append(r.Decisions, Decision{Approver: a.Name, Rule: dc.Rule, Issuer: dc.Issuer, Subject: dc.Subject, Approve: approve, Reason: reason, At: now})
		switch {
		case !approve:
			r.Status, r.DecidedAt = StatusDenied, now
		case r.Approvals() >= r.Required:
			r.Status, r.DecidedAt = StatusApproved, now
		}
		return nil
	})
	if errors.Is(err, ErrExpired) && before == StatusPending {
		_, _ = s.expire(ctx, id)
	}
	if err != nil {
		return r, err
	}
	switch r.Status {
	case StatusApproved:
		s.announce(ctx, EventApproved, r)
	case StatusDenied:
		s.announce(ctx, EventDenied, r)
	}
	return r, nil
}

// Redeem uses an approval for a call: only an approved request whose plan
// hash, agent and tool match, and only once. A mismatched plan does not use
// the approval up, so the call that was approved can still run.
func (s *Service) Redeem(ctx context.Context, id, planHash, agent, tool string) (*Request, error) {
	if !ValidID(id) {
		return nil, fmt.Errorf("%q: %w", id, ErrNotFound)
	}
	now := s.now().UTC()
	r, err := s.store.Update(ctx, id, func(r *Request) error {
		if r.Agent != agent || r.Tool != tool {
			// Another agent's approval is, to this agent, no approval at all.
			return fmt.Errorf("%s: %w", id, ErrNotFound)
		}
		switch r.Status {
		case StatusPending:
			if !now.Before(r.ExpiresAt) {
				r.Status = StatusExpired
				return nil
			}
			return fmt.Errorf("%s has %d of %d approvals: %w", id, r.Approvals(), r.Required, ErrPending)
		case StatusDenied:
			return fmt.Errorf("%s: %w", id, ErrDenied)
		case StatusExpired:
			return fmt.Errorf("%s: %w", id, ErrExpired)
		case StatusUsed:
			return fmt.Errorf("%s: %w", id, ErrUsed)
		}
		if r.PlanHash != planHash {
			return fmt.Errorf("%s: %w", id, ErrPlanMismatch)
		}
		r.Status, r.UsedAt = StatusUsed, now
		return nil
	})
	if err != nil {
		return r, err
	}
	if r.Status == StatusExpired {
		s.announce(ctx, EventExpired, r)
		return r, fmt.Errorf("%s: %w", id, ErrExpired)
	}
	return r, nil
}

// Wait blocks until the request is no longer pending, ctx ends, or it
// expires; tick is called about once a second with the current state, for
// progress notifications.
func (s *Service) Wait(ctx context.Context, id string, tick func(*Request)) (*Request, error) {
	changes, stop := s.store.Changes()
	defer stop()
	poll := time.NewTicker(s.store.PollInterval())
	defer poll.Stop()
	lastTick := time.Time{}
	for {
		r, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if r.Status != StatusPending {
			return r, nil
		}
		if tick != nil && time.Since(lastTick) >= time.Second {
			tick(r)
			lastTick = time.Now()
		}
		select {
		case <-ctx.Done():
			return r, ctx.Err()
		case <-changes:
		case <-poll.C:
		}
	}
}

// Sweep marks pending requests past their expiry as expired and announces
// each once (the compare-and-swap lets only one process win).
func (s *Service) Sweep(ctx context.Context) error {
	pending, err := s.store.List(ctx, 500, StatusPending)
	if err != nil {
		return err
	}
	now := s.now()
	for _, r := range pending {
		if !now.Before(r.ExpiresAt) {
			if _, err := s.expire(ctx, r.ID); err != nil && !errors.Is(err, ErrNotPending) {
				return err
			}
		}
	}
	return nil
}

func (s *Service) expire(ctx context.Context, id string) (*Request, error) {
	changed := false
	r, err := s.store.Update(ctx, id, func(r *Request) error {
		changed = false
		if r.Status != StatusPending {
			return nil
		}
		r.Status, changed = StatusExpired, true
		return nil
	})
	if err != nil {
		return r, err
	}
	if changed {
		s.announce(ctx, EventExpired, r)
	}
	return r, nil
}

func (s *Service) announce(ctx context.Context, ev Event, r *Request) {
	if s.onEvent != nil {
		s.onEvent(ctx, ev, r)
	}
	if s.notify == nil {
		return
	}
	if err := s.notify.Send(ctx, ev, r, s.URL(r.ID)); err != nil {
		s.onError(err)
	}
}

func orText(s, alt string) string {
	if s == "" {
		return alt
	}
	return s
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
