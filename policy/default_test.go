package policy

import (
	"strings"
	"testing"
)

func TestDefaultPolicy(t *testing.T) {
	p := Default(testOpts())
	a := p.DefaultAgent()
	if a == nil || a.Name != "local" || !a.IsDefault() || a.HasToken() {
		t.Fatalf("default agent = %+v", a)
	}
	if len(p.Agents()) != 1 || p.Agent("local") != a || p.Agent("nobody") != nil {
		t.Error("agents")
	}
	if p.AgentByToken("anything") != nil || p.AgentByToken("") != nil {
		t.Error("the default policy has no HTTP tokens")
	}
	if p.ReadOnly() || p.DisableDestructive() || p.WithoutElicitation() != ConfirmRefuse {
		t.Error("modes")
	}
	for _, ti := range testCatalogue() {
		if !p.Visible(a, ti) {
			t.Errorf("%s hidden in the default policy", ti.Name)
		}
		c := Call{Tool: ti, ProjectID: proj1}
		if ti.Area == AreaOrganizations || ti.Area == AreaAPIKeys {
			c = Call{Tool: ti, OrgID: org1}
		}
		d := p.Decide(a, c)
		if !d.Allow || d.Rule != ruleDefaultGrant || d.Line != 0 || d.At != "" {
			t.Errorf("%s: %+v", ti.Name, d)
		}
		wantConfirm := ti.Destructive || ti.Name == "atlas-create-api-key"
		if d.Confirm != wantConfirm {
			t.Errorf("%s: Confirm = %v, want %v", ti.Name, d.Confirm, wantConfirm)
		}
	}
	open := Call{Tool: tool(t, "atlas-create-access-list"), ProjectID: proj1, Args: entries("0.0.0.0/0")}
	if d := p.Decide(a, open); d.Allow || d.Rule != ruleDefaultNetDeny {
		t.Errorf("0.0.0.0/0 in the default policy: %+v", d)
	}
	wide := Call{Tool: tool(t, "atlas-create-access-list"), ProjectID: proj1, Args: entries("10.0.0.0/16")}
	if d := p.Decide(a, wide); !d.Allow || !d.Confirm {
		t.Errorf("wide entry in the default policy: %+v", d)
	}
}

func TestDefaultPolicyFlags(t *testing.T) {
	p := Default(withFlags(true, true))
	a := p.DefaultAgent()
	for _, ti := range testCatalogue() {
		if got := p.Visible(a, ti); got != (ti.Access == Read) {
			t.Errorf("read-only default: Visible(%s) = %v", ti.Name, got)
		}
	}
	d := p.Decide(a, Call{Tool: tool(t, "atlas-delete-cluster"), ProjectID: proj1})
	if d.Allow || d.Rule != ruleFlagReadOnly || !strings.Contains(d.Reason, "--read-only") {
		t.Errorf("%+v", d)
	}
	p = Default(withFlags(false, true))
	if d := p.Decide(p.DefaultAgent(), Call{Tool: tool(t, "atlas-delete-cluster"), ProjectID: proj1}); d.Allow || d.Rule != ruleFlagNoDestroy {
		t.Errorf("%+v", d)
	}
}

func TestDefaultWithoutCatalogue(t *testing.T) {
	// Without a catalogue the policy still refuses what it cannot place.
	p := Default(Options{})
	a := p.DefaultAgent()
	for _, ti := range []ToolInfo{
		{},
		{Name: "atlas-list-clusters"},
		{Name: "atlas-list-clusters", Area: "clusterz", Access: Read},
		{Name: "atlas-list-clusters", Area: AreaClusters, Access: "admin"},
		{Name: "atlas-drop", Area: AreaClusters, Access: Read, Destructive: true},
		{Name: "Atlas List", Area: AreaClusters, Access: Read},
		{Name: "atlas-*", Area: AreaClusters, Access: Read},
	} {
		if d := p.Decide(a, Call{Tool: ti, ProjectID: proj1}); d.Allow || d.Rule != ruleBadTool {
			t.Errorf("%+v: %+v", ti, d)
		}
		if p.Visible(a, ti) {
			t.Errorf("%+v visible", ti)
		}
	}
	if d := p.Decide(a, Call{Tool: ToolInfo{Name: "atlas-list-things", Area: AreaClusters, Access: Read}, ProjectID: proj1}); !d.Allow {
		t.Errorf("a well-formed tool without a catalogue: %+v", d)
	}
}
