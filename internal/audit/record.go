package audit

// Host is the MCP client that opened the session, as it named itself in
// initialize. It is recorded because the same agent token can be used from
// different hosts, and an investigation usually starts from "which program".
type Host struct {
	Name    string `json:"name,omitempty"`
	Version string `json:"version,omitempty"`
}

// Decision is the policy's answer for the call, with the rule that decided so
// that a reader can find the line of policy responsible.
type Decision struct {
	Allow  bool   `json:"allow"`
	Rule   string `json:"rule"`
	Reason string `json:"reason,omitempty"`
}

// Request is one HTTP exchange with Atlas made on behalf of the call. A call
// can make several (pagination, a lookup before a write), and each is listed
// because each can change something.
type Request struct {
	Method     string  `json:"method"`
	Path       string  `json:"path"`
	Status     int     `json:"status"`
	DurationMs float64 `json:"ms"`
	Attempts   int     `json:"attempts"`
}

// Outcome error codes that readers act on. The server writes them and
// verify and tail read them, from this one list.
const (
	// CodeWaitStopped: Atlas accepted the write, and the call stopped
	// waiting for it to finish (shutdown, or the host went away).
	CodeWaitStopped = "WAIT_STOPPED"
	// CodeCancelled: the call was cancelled before Atlas answered; the
	// write may or may not have been applied.
	CodeCancelled = "CANCELLED"
	// CodeAuditUnavailable: refused because the record could not be kept.
	CodeAuditUnavailable = "AUDIT_UNAVAILABLE"
	// CodeConfirmationTimeout: nobody answered the confirmation.
	CodeConfirmationTimeout = "CONFIRMATION_TIMEOUT"
)

// Interrupted reports whether an outcome leaves a write's effect in Atlas
// unknown or still under way, which verify lists beside intents without
// an outcome.
func (o Outcome) Interrupted() bool {
	return o.ErrorCode == CodeWaitStopped || o.ErrorCode == CodeCancelled
}

// Outcome is how the call ended as the agent saw it.
type Outcome struct {
	OK        bool   `json:"ok"`
	Status    int    `json:"status,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
	Message   string `json:"message,omitempty"`
}

// Confirmation is how the question to a person ended. The writer (the
// server) and the readers (tail, verify) share these constants, so a value
// one side adds cannot be silently missed by the other; on disk it is a
// plain string, so an older reader still shows a value it does not know.
type Confirmation string

const (
	ConfirmNotNeeded     Confirmation = "not_needed"
	ConfirmAccepted      Confirmation = "accepted"
	ConfirmDeclined      Confirmation = "declined"
	ConfirmUnavailable   Confirmation = "unavailable"
	ConfirmTokenIssued   Confirmation = "token_issued"
	ConfirmTokenAccepted Confirmation = "token_accepted"
	// ConfirmTimeout: the person was asked and never answered.
	ConfirmTimeout Confirmation = "timeout"
	// ConfirmRateLimited: refused by the agent's call-rate limit before
	// anything else ran; a record of this kind may stand for several
	// refused calls (Outcome.Message says how many).
	ConfirmRateLimited Confirmation = "rate_limited"
)

// Refused reports whether the call did not run because no person said yes.
func (c Confirmation) Refused() bool {
	switch c {
	case ConfirmDeclined, ConfirmUnavailable, ConfirmTimeout:
		return true
	}
	return false
}

// Kind says which part of a call a record is. A read or a refusal is one
// record (KindCall, empty on disk); a write that reaches Atlas is two: the
// intent, durable before the first write request leaves, and the outcome,
// which names its intent's seq.
type Kind string

const (
	KindCall    Kind = ""
	KindIntent  Kind = "intent"
	KindOutcome Kind = "outcome"
)

// Record is one line of the audit log: one tool call, allowed or not.
//
// The field order below is the key order on disk and is part of the hash
// contract (see the package documentation): do not reorder fields, and add
// new ones before Prev so that Prev and Hash stay last.
type Record struct {
	// Time is RFC 3339 in UTC with exactly nine fractional digits. Append
	// fills it when empty; a caller may set it (e.g. to the call's start).
	Time string `json:"time"`
	Seq  uint64 `json:"seq"`
	// Kind and Intent tie the two records of a write together: an outcome
	// names the seq of its intent.
	Kind    Kind   `json:"kind,omitempty"`
	Intent  uint64 `json:"intent,omitempty"`
	Agent   string `json:"agent"`
	Session string `json:"session,omitempty"`
	Host    Host   `json:"host,omitzero"`
	Tool    string `json:"tool"`
	Area    string `json:"area,omitempty"`
	Access  string `json:"access,omitempty"`
	DryRun  bool   `json:"dryRun,omitempty"`
	// Args should already be redacted by the caller with Redact. Append
	// redacts again anyway (redaction is idempotent), so a forgotten call
	// cannot leak a tagged or well-known secret field.
	Args any `json:"args,omitempty"`
	// PlanHash identifies what the call was approved to send; Plan is that
	// plan, redacted like Args. Set on intents.
	PlanHash     string       `json:"planHash,omitempty"`
	Plan         any          `json:"plan,omitempty"`
	Decision     Decision     `json:"decision"`
	Confirmation Confirmation `json:"confirmation,omitempty"`
	Requests     []Request    `json:"requests,omitempty"`
	Outcome      Outcome      `json:"outcome"`
	DurationMs   float64      `json:"ms"`
	// PolicyHash names the policy the call was decided under (policy.Hash:
	// the SHA-256 of the file), so a decision can be traced to the file
	// version in force, across reloads.
	PolicyHash string `json:"policyHash,omitempty"`
	// Principal is who stands behind the agent when an OAuth access token
	// identified it: an agent name says which rights were used, not which
	// person's agent used them.
	Principal *Principal `json:"principal,omitempty"`
	Approval  *Approval  `json:"approval,omitempty"`
	// Prev and Hash are filled by Append; values set by the caller are
	// overwritten.
	Prev string `json:"prev"`
	Hash string `json:"hash,omitempty"`

	// Scrub are secret values this record's call carried (a password it
	// set): Append removes them, and their escaped forms, from every part
	// of the record, as it does the configured credentials. Never written.
	Scrub []string `json:"-"`
}

// Principal is the identity behind an OAuth agent, from its verified token.
type Principal struct {
	Issuer   string `json:"iss,omitempty"`
	Subject  string `json:"sub,omitempty"`
	Actor    string `json:"act,omitempty"` // act.sub: who acts on the subject's behalf
	ClientID string `json:"clientId,omitempty"`
	Match    string `json:"match,omitempty"` // the policy rule that chose the agent
}
