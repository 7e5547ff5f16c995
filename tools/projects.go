package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// projectTools are the tools of this area, in the catalogue's order (reads first).
func projectTools() []*Tool {
	return []*Tool{listProjects(), getProject(), createProject(), deleteProject()}
}

// Project is the compact view of an Atlas project (a "group" in the API).
type Project struct {
	ID                      string `json:"id"`
	Name                    string `json:"name"`
	OrgID                   string `json:"orgId"`
	ClusterCount            int    `json:"clusterCount"`
	Created                 string `json:"created,omitempty"`
	RegionUsageRestrictions string `json:"regionUsageRestrictions,omitempty"`
}

func projectRows(ps []Project) string {
	rows := make([][]string, 0, len(ps))
	for _, p := range ps {
		rows = append(rows, []string{p.Name, p.ID, p.OrgID, strconv.Itoa(p.ClusterCount), orDash(p.Created)})
	}
	return table([]string{"NAME", "PROJECT ID", "ORG ID", "CLUSTERS", "CREATED"}, rows)
}

// --- atlas-list-projects ---

// ListProjectsInput lists the projects the credential can see.
type ListProjectsInput struct {
	Paging
	Verbosity
}

func (in *ListProjectsInput) prepare(env *Env) error    { return in.Paging.normalize() }
func (in *ListProjectsInput) facts() Facts              { return Facts{} }
func (in *ListProjectsInput) params() map[string]string { return nil }
func (in *ListProjectsInput) page() (Paging, bool)      { return in.Paging, in.Verbose }

func listProjects() *Tool {
	return listSpec[ListProjectsInput, Project]{
		Name:        "atlas-list-projects",
		Title:       "List projects",
		Description: "List the projects (groups) the credential can see, with the projectId other tools need.",
		Area:        AreaProjects,
		Op:          atlasclient.ListGroups,
		What:        func(*ListProjectsInput) string { return "Projects" },
		Noun:        "projects",
		Rows:        projectRows,
	}.tool()
}

// --- atlas-get-project ---

// GetProjectInput names one project.
type GetProjectInput struct {
	ProjectScope
	Verbosity
}

func (in *GetProjectInput) prepare(env *Env) error    { return in.resolve(env) }
func (in *GetProjectInput) facts() Facts              { return Facts{ProjectID: in.ProjectID} }
func (in *GetProjectInput) params() map[string]string { return getProjectRequest(in.ProjectID).Params }

// ProjectOutput is the structured answer about one project.
type ProjectOutput struct {
	Project Project         `json:"project"`
	Raw     json.RawMessage `json:"raw,omitempty"`
}

func getProjectRequest(id string) *atlasclient.Request {
	return &atlasclient.Request{Op: atlasclient.GetGroup, Params: map[string]string{"groupId": id}}
}

func getProject() *Tool {
	return getSpec[GetProjectInput, Project, ProjectOutput]{
		Name:        "atlas-get-project",
		Title:       "Get project",
		Description: "Get one project by projectId: name, organization, cluster count, creation date.",
		Area:        AreaProjects,
		Op:          atlasclient.GetGroup,
		Noun:        "project",
		Answer: func(_ *GetProjectInput, p Project, raw json.RawMessage) *Result {
			return &Result{Summary: fmt.Sprintf("Project %s.", p.ID), Data: projectRows([]Project{p}), Structured: &ProjectOutput{Project: p, Raw: raw}}
		},
	}.tool()
}

// --- atlas-create-project ---

// CreateProjectInput creates a project in an organization.
type CreateProjectInput struct {
	OrgScope
	Name                      string `json:"name" jsonschema:"required,minLength=1,maxLength=64,pattern=^[\\p{L}\\p{N}\\-_.()\\,:&@+']+$" jsonschema_description:"Name of the new project."`
	RegionUsageRestrictions   string `json:"regionUsageRestrictions,omitempty" jsonschema:"enum=COMMERCIAL_FEDRAMP_REGIONS_ONLY,enum=GOV_REGIONS_ONLY" jsonschema_description:"Atlas for Government: GOV_REGIONS_ONLY for government regions; fixed."`
	WithDefaultAlertsSettings *bool  `json:"withDefaultAlertsSettings,omitempty" jsonschema_description:"Add Atlas's default alerts (default true)."`
	WriteOptions
}

func (in *CreateProjectInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	if in.RegionUsageRestrictions != "" && !env.gov() {
		return invalid("regionUsageRestrictions", "applies only to Atlas for Government", "omit it, or run with --cloud gov")
	}
	return nil
}
func (in *CreateProjectInput) facts() Facts { return Facts{OrgID: in.OrgID} }

func (in *CreateProjectInput) request() *atlasclient.Request {
	body := map[string]any{"name": in.Name, "orgId": in.OrgID}
	if in.RegionUsageRestrictions != "" {
		body["regionUsageRestrictions"] = in.RegionUsageRestrictions
	}
	if in.WithDefaultAlertsSettings != nil {
		body["withDefaultAlertsSettings"] = *in.WithDefaultAlertsSettings
	}
	return &atlasclient.Request{Op: atlasclient.CreateGroup, Body: body}
}

func createProject() *Tool {
	return spec[CreateProjectInput, ProjectOutput]{
		Name:        "atlas-create-project",
		Title:       "Create project",
		Description: "Create a project (group) in an organization and return its projectId.",
		Area:        AreaProjects,
		Op:          atlasclient.CreateGroup,
		Build: func(_ context.Context, env *Env, in *CreateProjectInput, b *Builder) error {
			if err := b.Send(in.request()); err != nil {
				return err
			}
			lines := []string{}
			if in.RegionUsageRestrictions != "" {
				lines = append(lines, "region usage: "+in.RegionUsageRestrictions+" (cannot be changed later)")
			} else if env.gov() {
				lines = append(lines, "region usage: standard (COMMERCIAL_FEDRAMP_REGIONS_ONLY; cannot be changed later)")
			}
			if in.WithDefaultAlertsSettings != nil && !*in.WithDefaultAlertsSettings {
				lines = append(lines, "without Atlas's default alert configurations")
			}
			b.Render(Rendering{Title: fmt.Sprintf("Create project %s in organization %s.", in.Name, in.OrgID), Lines: lines})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *CreateProjectInput, _ *Plan, answers []json.RawMessage) (*Result, error) {
			var p Project
			if err := json.Unmarshal(answers[0], &p); err != nil {
				return nil, fmt.Errorf("decoding created project: %w", err)
			}
			return &Result{Summary: fmt.Sprintf("Created project %s with ID %s in organization %s.", p.Name, p.ID, p.OrgID), Data: projectRows([]Project{p}), Structured: &ProjectOutput{Project: p}}, nil
		},
	}.tool()
}

// --- atlas-delete-project ---

// DeleteProjectInput names the project to delete.
type DeleteProjectInput struct {
	ProjectScope
	WriteOptions
}

func (in *DeleteProjectInput) prepare(env *Env) error {
	// Never default the target of a project deletion from the environment:
	// the person must name it.
	if in.ProjectID == "" {
		return invalid("projectId", "is required for deletion (it is never taken from MONGODB_ATLAS_PROJECT_ID)", "name the project to delete explicitly")
	}
	return nil
}
func (in *DeleteProjectInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }

func (in *DeleteProjectInput) request() *atlasclient.Request {
	return &atlasclient.Request{Op: atlasclient.DeleteGroup, Params: map[string]string{"groupId": in.ProjectID}}
}

func deleteProject() *Tool {
	return spec[DeleteProjectInput, DeleteOutput]{
		Name:        "atlas-delete-project",
		Title:       "Delete project",
		Description: "Delete a project; Atlas refuses while it has clusters. The person types its name.",
		Area:        AreaProjects,
		Destructive: true, Idempotent: true, Grave: true,
		Op: atlasclient.DeleteGroup,
		Build: func(_ context.Context, _ *Env, in *DeleteProjectInput, b *Builder) error {
			// Read first: the person types the project's name, and a project
			// renamed (or replaced) since is another plan.
			var p Project
			if _, err := b.Read(getProjectRequest(in.ProjectID), &p); err != nil {
				return err
			}
			if p.ClusterCount > 0 {
				return &StateError{Resource: fmt.Sprintf("project %s (%s)", p.Name, p.ID), State: fmt.Sprintf("holding %d cluster(s)", p.ClusterCount), Want: "empty: delete its clusters first"}
			}
			b.Observe("project.id", p.ID)
			b.Observe("project.name", p.Name)
			if err := b.Send(in.request()); err != nil {
				return err
			}
			b.Render(Rendering{
				Title:         fmt.Sprintf("Delete project %s (id %s) of organization %s.", p.Name, p.ID, orDash(p.OrgID)),
				Lines:         []string{fmt.Sprintf("%d cluster(s); every resource scoped under the project (database users, access list, alert configurations) goes with it", p.ClusterCount)},
				Irreversible:  "the project and everything scoped under it are deleted",
				TypeToConfirm: p.Name,
			})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *DeleteProjectInput, p *Plan, _ []json.RawMessage) (*Result, error) {
			name := p.Observed["project.name"]
			return &Result{Summary: fmt.Sprintf("Deleted project %s (%s).", name, in.ProjectID), Structured: &DeleteOutput{Deleted: "project " + in.ProjectID, Accepted: true}}, nil
		},
	}.tool()
}
