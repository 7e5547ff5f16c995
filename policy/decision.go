package policy

// Decision is the answer to one call: allow or deny, the rule that decided, and a
// reason the agent can act on. It is a value so the server can audit it as is.
type Decision struct {
	Allow bool
	// Rule is the ID of the deciding rule: a path into the policy file such as
	// "agents.ci-bot.grants[1]" or "constraints.clusters.maxInstanceSize", or a
	// built-in rule such as "default.networkAccess.deniedCidrs" or "flag.read-only".
	Rule string
	// Line is the rule's line in the policy file; 0 for built-in rules.
	Line int
	// At is "file:line" (e.g. "policy.yaml:14") for rules from a file, "" for
	// built-in ones; ready to print next to Rule.
	At     string
	Reason string
	// Confirm says a human's yes is required before running. Only set when Allow.
	Confirm bool
	// ConfirmWhy says why confirmation is needed, naming the rule(s).
	ConfirmWhy string
	// ConfirmRule is the ID of the first rule that asked for confirmation.
	ConfirmRule string
	// Approvals is how many distinct approvers must approve out of band (0 or
	// 1: one person). More than one can only be given in the approval console.
	Approvals int
	// ApprovalVia is "console" when a rule says only the approval console may
	// approve this call (not an elicitation at the host).
	ApprovalVia string
}
