package audit

// Approval is the out-of-band approval a call asked for or ran under: the
// request's ID, where it stands, the plan hash it is bound to, and every
// approver's decision. It is in the record of the call that asked (status
// pending) and of the call that resumed it, so the log shows who said yes or
// no, when and why, next to what ran.
type Approval struct {
	ID        string             `json:"id"`
	Status    string             `json:"status"`
	PlanHash  string             `json:"planHash,omitempty"`
	Required  int                `json:"required,omitempty"`
	ExpiresAt string             `json:"expiresAt,omitempty"`
	Decisions []ApprovalDecision `json:"decisions,omitempty"`
}

// ApprovalDecision is one approver's answer.
type ApprovalDecision struct {
	Approver string `json:"approver"`
	// Rule is the policy setting the approver signed in by
	// ("approvers.sre-leads.match"); Issuer and Subject are the person, when
	// they signed in with the identity provider.
	Rule     string `json:"rule,omitempty"`
	Issuer   string `json:"issuer,omitempty"`
	Subject  string `json:"subject,omitempty"`
	Decision string `json:"decision"` // "approve" or "deny"
	Reason   string `json:"reason,omitempty"`
	Time     string `json:"time"`
}
