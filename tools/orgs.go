package tools

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// orgTools are the tools of this area, in the catalogue's order (reads first).
func orgTools() []*Tool {
	return []*Tool{listOrgs(), getOrg()}
}

// Org is the compact view of an Atlas organization.
type Org struct {
	ID                        string `json:"id"`
	Name                      string `json:"name"`
	IsDeleted                 bool   `json:"isDeleted"`
	SkipDefaultAlertsSettings bool   `json:"skipDefaultAlertsSettings,omitempty"`
}

func orgRows(os []Org) string {
	rows := make([][]string, 0, len(os))
	for _, o := range os {
		deleted := "no"
		if o.IsDeleted {
			deleted = "yes"
		}
		rows = append(rows, []string{o.Name, o.ID, deleted})
	}
	return table([]string{"NAME", "ORG ID", "DELETED"}, rows)
}

// checkText refuses free text that would garble a log line or a table:
// control characters. It is shared by every tool that sends a name, comment
// or description; their lengths are the input schema's (maxLength).
func checkText(field, v string) error {
	if !utf8.ValidString(v) {
		return invalid(field, "is not valid UTF-8", "send plain text")
	}
	if i := strings.IndexFunc(v, unicode.IsControl); i >= 0 {
		return invalid(field, fmt.Sprintf("contains a control character at byte %d", i), "remove newlines, tabs and other control characters")
	}
	return nil
}

// --- atlas-list-orgs ---

// ListOrgsInput lists the organizations the credential can see.
type ListOrgsInput struct {
	Name string `json:"name,omitempty" jsonschema:"maxLength=64" jsonschema_description:"Only names starting with this."`
	Paging
	Verbosity
}

func (in *ListOrgsInput) prepare(env *Env) error {
	if err := checkText("name", in.Name); err != nil {
		return err
	}
	return in.Paging.normalize()
}
func (in *ListOrgsInput) facts() Facts              { return Facts{} }
func (in *ListOrgsInput) params() map[string]string { return nil }
func (in *ListOrgsInput) page() (Paging, bool)      { return in.Paging, in.Verbose }
func (in *ListOrgsInput) query() url.Values {
	if in.Name == "" {
		return nil
	}
	return url.Values{"name": {in.Name}}
}

func listOrgs() *Tool {
	return listSpec[ListOrgsInput, Org]{
		Name:        "atlas-list-orgs",
		Title:       "List organizations",
		Description: "List the organizations the credential can see, with their orgId: the place to start.",
		Area:        AreaOrganizations,
		Op:          atlasclient.ListOrgs,
		What:        func(*ListOrgsInput) string { return "Organizations" },
		NounFor: func(in *ListOrgsInput) string {
			if in.Name != "" {
				return fmt.Sprintf("organizations whose name starts with %q", in.Name)
			}
			return "organizations"
		},
		Rows: orgRows,
	}.tool()
}

// --- atlas-get-org ---

// GetOrgInput names one organization.
type GetOrgInput struct {
	OrgScope
	Verbosity
}

func (in *GetOrgInput) prepare(env *Env) error    { return in.resolve(env) }
func (in *GetOrgInput) facts() Facts              { return Facts{OrgID: in.OrgID} }
func (in *GetOrgInput) params() map[string]string { return map[string]string{"orgId": in.OrgID} }

// OrgOutput is the structured answer about one organization.
type OrgOutput struct {
	Org Org             `json:"org"`
	Raw json.RawMessage `json:"raw,omitempty" jsonschema_description:"The full Atlas document, only with verbose:true."`
}

func getOrg() *Tool {
	return getSpec[GetOrgInput, Org, OrgOutput]{
		Name:        "atlas-get-org",
		Title:       "Get organization",
		Description: "Get one organization by orgId: its name and whether it is deleted.",
		Area:        AreaOrganizations,
		Op:          atlasclient.GetOrg,
		Noun:        "organization",
		Answer: func(in *GetOrgInput, o Org, raw json.RawMessage) *Result {
			return &Result{Summary: fmt.Sprintf("Organization %s.", in.OrgID), Data: orgRows([]Org{o}), Structured: &OrgOutput{Org: o, Raw: raw}}
		},
	}.tool()
}
