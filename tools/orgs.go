package tools

import (
	"context"
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
func (in *ListOrgsInput) facts() Facts { return Facts{} }

func listOrgs() *Tool {
	return spec[ListOrgsInput, ListOutput[Org]]{
		Name:        "atlas-list-orgs",
		Title:       "List organizations",
		Description: "List the organizations the credential can see, with their orgId: the place to start.",
		Area:        AreaOrganizations,
		Op:          atlasclient.ListOrgs,
		Run: func(ctx context.Context, env *Env, in *ListOrgsInput) (*Result, error) {
			req := &atlasclient.Request{Op: atlasclient.ListOrgs}
			if in.Name != "" {
				req.Query = url.Values{"name": {in.Name}}
			}
			out, err := fetchPage(ctx, env, req, in.Paging, in.Verbose, unmarshalAs[Org])
			if err != nil {
				return nil, err
			}
			noun := "organizations"
			if in.Name != "" {
				noun = fmt.Sprintf("organizations whose name starts with %q", in.Name)
			}
			return &Result{
				Summary:    "Organizations: " + pageSummary(noun, out.TotalCount, out.PageNum, out.ItemsPerPage, len(out.Results)),
				Data:       dataIf(len(out.Results) > 0, func() string { return orgRows(out.Results) }),
				Structured: out,
			}, nil
		},
	}.tool()
}

// --- atlas-get-org ---

// GetOrgInput names one organization.
type GetOrgInput struct {
	OrgScope
	Verbosity
}

func (in *GetOrgInput) prepare(env *Env) error { return in.resolve(env) }
func (in *GetOrgInput) facts() Facts           { return Facts{OrgID: in.OrgID} }

// OrgOutput is the structured answer about one organization.
type OrgOutput struct {
	Org Org             `json:"org"`
	Raw json.RawMessage `json:"raw,omitempty" jsonschema_description:"The full Atlas document, only with verbose:true."`
}

func getOrg() *Tool {
	return spec[GetOrgInput, OrgOutput]{
		Name:        "atlas-get-org",
		Title:       "Get organization",
		Description: "Get one organization by orgId: its name and whether it is deleted.",
		Area:        AreaOrganizations,
		Op:          atlasclient.GetOrg,
		Run: func(ctx context.Context, env *Env, in *GetOrgInput) (*Result, error) {
			var raw json.RawMessage
			if _, err := env.Client.Do(ctx, &atlasclient.Request{Op: atlasclient.GetOrg, Params: map[string]string{"orgId": in.OrgID}}, &raw); err != nil {
				return nil, err
			}
			var o Org
			if err := json.Unmarshal(raw, &o); err != nil {
				return nil, fmt.Errorf("decoding organization %s: %w", in.OrgID, err)
			}
			out := &OrgOutput{Org: o}
			if in.Verbose {
				out.Raw = raw
			}
			return &Result{Summary: fmt.Sprintf("Organization %s.", in.OrgID), Data: orgRows([]Org{o}), Structured: out}, nil
		},
	}.tool()
}
