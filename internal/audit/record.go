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

// Outcome is how the call ended as the agent saw it.
type Outcome struct {
	OK        bool   `json:"ok"`
	Status    int    `json:"status,omitempty"`
	ErrorCode string `json:"errorCode,omitempty"`
	Message   string `json:"message,omitempty"`
}

// Confirmation outcomes. They are plain strings in Record so that a newer
// server can add one without breaking older readers.
const (
	ConfirmNotNeeded     = "not_needed"
	ConfirmAccepted      = "accepted"
	ConfirmDeclined      = "declined"
	ConfirmUnavailable   = "unavailable"
	ConfirmTokenIssued   = "token_issued"
	ConfirmTokenAccepted = "token_accepted"
)

// Record is one line of the audit log: one tool call, allowed or not.
//
// The field order below is the key order on disk and is part of the hash
// contract (see the package documentation): do not reorder fields, and add
// new ones before Prev so that Prev and Hash stay last.
type Record struct {
	// Time is RFC 3339 in UTC with exactly nine fractional digits. Append
	// fills it when empty; a caller may set it (e.g. to the call's start).
	Time    string `json:"time"`
	Seq     uint64 `json:"seq"`
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
	Args         any       `json:"args,omitempty"`
	Decision     Decision  `json:"decision"`
	Confirmation string    `json:"confirmation,omitempty"`
	Requests     []Request `json:"requests,omitempty"`
	Outcome      Outcome   `json:"outcome"`
	DurationMs   float64   `json:"ms"`
	Approval     *Approval `json:"approval,omitempty"`
	// Prev and Hash are filled by Append; values set by the caller are
	// overwritten.
	Prev string `json:"prev"`
	Hash string `json:"hash,omitempty"`
}
