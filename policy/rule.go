package policy

import "strconv"

// rule is where a setting came from: an ID that names its path in the policy
// file (or a built-in name) and its line, so every decision can point at it.
type rule struct {
	id   string
	line int
}

func (r rule) at(source string) string {
	if r.line == 0 || source == "" {
		return ""
	}
	return source + ":" + strconv.Itoa(r.line)
}

// Built-in rule IDs: decisions made by the program rather than a policy line.
const (
	ruleNoAgent          = "default.agent"
	ruleBadTool          = "default.tool"
	ruleBadCall          = "default.call"
	ruleNoGrant          = "default.no-grant"
	ruleDefaultGrant     = "default.grants"
	ruleDefaultNetDeny   = "default.networkAccess.deniedCidrs"
	ruleFlagReadOnly     = "flag.read-only"
	ruleFlagNoDestroy    = "flag.disable-destructive"
	ruleConfirmDestroy   = "default.confirm.destructive"
	ruleConfirmTools     = "default.confirm.tools"
	ruleConfirmWideEntry = "default.confirm.wideAccessList"
	// ruleConfirmManyEntries asks for a yes on calls creating many entries.
	ruleConfirmManyEntries = "default.confirm.accessListEntries"
)
