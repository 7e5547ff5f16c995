package approvals

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Event is what happened to a request, for notifications.
type Event string

// Events a webhook hears about.
const (
	EventNew      Event = "new"
	EventApproved Event = "approved"
	EventDenied   Event = "denied"
	EventExpired  Event = "expired"
)

// Notifier posts events to a webhook: Slack's incoming-webhook body ("text")
// or a generic JSON document. Either carries the request's title, tool, agent,
// project and link — never the plan, which may hold what a person should only
// read in the console.
type Notifier struct {
	URL string
	// Format is "slack" (default) or "generic".
	Format string
	Client *http.Client
}

// Send posts one event; a failure is returned for the caller to log, and never
// changes the request.
func (n *Notifier) Send(ctx context.Context, ev Event, r *Request, link string) error {
	if n == nil || n.URL == "" {
		return nil
	}
	body, err := json.Marshal(n.body(ev, r, link))
	if err != nil {
		return fmt.Errorf("approvals webhook: %w", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, n.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("approvals webhook: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	c := n.Client
	if c == nil {
		c = &http.Client{Timeout: 10 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("approvals webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<16))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("approvals webhook: %s answered %d", hostOf(n.URL), resp.StatusCode)
	}
	return nil
}

// GenericEvent is the body of a generic webhook.
type GenericEvent struct {
	Event      Event     `json:"event"`
	ApprovalID string    `json:"approvalId"`
	Status     Status    `json:"status"`
	Title      string    `json:"title"`
	Tool       string    `json:"tool"`
	Agent      string    `json:"agent"`
	ProjectID  string    `json:"projectId,omitempty"`
	Resource   string    `json:"resource,omitempty"`
	Why        string    `json:"why,omitempty"`
	Required   int       `json:"requiredApprovals"`
	Approvals  int       `json:"approvals"`
	ExpiresAt  time.Time `json:"expiresAt"`
	URL        string    `json:"url,omitempty"`
	DecidedBy  []string  `json:"decidedBy,omitempty"`
	Reason     string    `json:"reason,omitempty"`
}

func (n *Notifier) body(ev Event, r *Request, link string) any {
	g := GenericEvent{Event: ev, ApprovalID: r.ID, Status: r.Status, Title: r.Rendering.Title, Tool: r.Tool, Agent: r.Agent,
		ProjectID: r.ProjectID, Resource: r.Resource, Why: r.Why, Required: r.Required, Approvals: r.Approvals(), ExpiresAt: r.ExpiresAt, URL: link}
	for _, d := range r.Decisions {
		g.DecidedBy = append(g.DecidedBy, d.Approver)
		if !d.Approve {
			g.Reason = d.Reason
		}
	}
	if n.Format == "generic" {
		return g
	}
	var b strings.Builder
	switch ev {
	case EventNew:
		fmt.Fprintf(&b, ":warning: Approval needed (%d of %d): %s — agent %s, tool %s", g.Approvals, g.Required, g.Title, g.Agent, g.Tool)
	case EventApproved:
		fmt.Fprintf(&b, ":white_check_mark: Approved by %s: %s", strings.Join(g.DecidedBy, ", "), g.Title)
	case EventDenied:
		fmt.Fprintf(&b, ":no_entry: Denied: %s — %s", g.Title, g.Reason)
	case EventExpired:
		fmt.Fprintf(&b, ":hourglass: Expired without a decision: %s", g.Title)
	}
	if link != "" {
		fmt.Fprintf(&b, "\n<%s|%s>", link, r.ID)
	} else {
		fmt.Fprintf(&b, "\n%s", r.ID)
	}
	return map[string]any{"text": b.String(), "atlasMcp": g}
}

func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexAny(u, "/?"); i >= 0 {
		u = u[:i]
	}
	return u
}
