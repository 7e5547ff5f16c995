package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// A list tool is its operation, the parameters its input fills in, and how it
// renders a page: listSpec holds those and nothing else, and builds the Run
// every list tool shares (one page, the total, the table, verbose raw
// documents).
type listSpec[In any, T any] struct {
	Name        string
	Title       string
	Description string
	Area        Area
	// Op is the Atlas list operation; the tool's access and permission come
	// from it, and it is the request the tool sends.
	Op             atlasclient.OpID
	GovUnavailable bool
	// Decode turns one Atlas document into a row; nil decodes it as T,
	// straight from the page (one pass, where Decode needs each document
	// on its own first).
	Decode func(json.RawMessage) (T, error)
	// FromDoc makes each row from the Atlas document decoded as its own type
	// (fromDoc(func(*cluster) ClusterSummary)): the page decodes in one pass,
	// where Decode works one raw document at a time. Set at most one.
	FromDoc docRows[T]
	// What names the list in the summary, e.g. "Clusters in project X".
	What func(in *In) string
	// Noun counts the items: "clusters". NounFor, when set, words it from
	// the input instead (a filtered list: "OPEN alerts").
	Noun    string
	NounFor func(in *In) string
	// Rows renders the page as a table.
	Rows func([]T) string
	// Warn adds sentences to the summary about what the page shows (optional).
	Warn func([]T) string
	// Raw is what of each full Atlas document (verbose) may reach the agent:
	// nil passes it as Atlas sent it; credentials Atlas returns are cut here.
	Raw func(json.RawMessage) json.RawMessage
	// Unpaged: Atlas answers with the whole list as one array (App Services);
	// the page asked for is cut from it here.
	Unpaged bool
	// Notice is shown once with every answer (see Result.Notice).
	Notice string
}

// querier is a list input with query parameters (filters): its query()
// values travel with the operation's request.
type querier interface {
	query() url.Values
}

// lister is what a list tool's input provides besides prepare and facts: the
// operation's path parameters and the page asked for (ProjectList, OrgList,
// ClusterList).
type lister interface {
	input
	params() map[string]string
	page() (Paging, bool)
}

func (s listSpec[In, T]) tool() *Tool {
	if _, ok := any(new(In)).(lister); !ok {
		panic(fmt.Sprintf("tools: input of list tool %s has no params and page", s.Name))
	}
	if s.FromDoc != nil && (s.Decode != nil || s.Unpaged) {
		panic(fmt.Sprintf("tools: list tool %s sets FromDoc with Decode or Unpaged", s.Name))
	}
	return spec[In, ListOutput[T]]{
		Name: s.Name, Title: s.Title, Description: s.Description, Area: s.Area,
		Op: s.Op, GovUnavailable: s.GovUnavailable,
		Run: func(ctx context.Context, env *Env, in *In) (*Result, error) {
			l := any(in).(lister)
			p, verbose := l.page()
			req := &atlasclient.Request{Op: s.Op, Params: l.params()}
			if q, ok := any(in).(querier); ok {
				req.Query = q.query()
			}
			out, err := s.fetch(ctx, env, req, p, verbose)
			if err != nil {
				return nil, err
			}
			if s.Raw != nil {
				for i, raw := range out.Raw {
					out.Raw[i] = s.Raw(raw)
				}
			}
			noun := s.Noun
			if s.NounFor != nil {
				noun = s.NounFor(in)
			}
			summary := fmt.Sprintf("%s: %s", s.What(in), pageSummary(noun, out.TotalCount, out.PageNum, out.ItemsPerPage, len(out.Results)))
			if s.Warn != nil {
				summary += s.Warn(out.Results)
			}
			return &Result{
				Summary:    summary,
				Data:       dataIf(len(out.Results) > 0, func() string { return s.Rows(out.Results) }),
				Structured: out,
				Notice:     s.Notice,
			}, nil
		},
	}.tool()
}

// fetch reads the page: one page of Atlas's paging, or the page cut from a
// whole list (Unpaged).
func (s listSpec[In, T]) fetch(ctx context.Context, env *Env, req *atlasclient.Request, p Paging, verbose bool) (*ListOutput[T], error) {
	if !s.Unpaged {
		if s.FromDoc != nil {
			return s.FromDoc.page(ctx, env, req, p, verbose)
		}
		return fetchPage(ctx, env, req, p, verbose, s.Decode)
	}
	var all []json.RawMessage
	if _, err := env.Client.Do(ctx, req, &all); err != nil {
		return nil, err
	}
	decode := s.Decode
	if decode == nil {
		decode = unmarshalAs[T]
	}
	out, err := localPage(all, p, verbose, decode)
	if err != nil {
		return nil, fmt.Errorf("decoding an item of %s: %w", req.Op, err)
	}
	return out, nil
}

// ProjectList is the input of a list over one project.
type ProjectList struct {
	ProjectScope
	Paging
	Verbosity
}

func (in *ProjectList) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	return in.Paging.normalize()
}
func (in *ProjectList) facts() Facts              { return Facts{ProjectID: in.ProjectID} }
func (in *ProjectList) params() map[string]string { return map[string]string{"groupId": in.ProjectID} }
func (in *ProjectList) page() (Paging, bool)      { return in.Paging, in.Verbose }

// OrgList is the input of a list over one organization.
type OrgList struct {
	OrgScope
	Paging
	Verbosity
}

func (in *OrgList) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	return in.Paging.normalize()
}
func (in *OrgList) facts() Facts              { return Facts{OrgID: in.OrgID} }
func (in *OrgList) params() map[string]string { return map[string]string{"orgId": in.OrgID} }
func (in *OrgList) page() (Paging, bool)      { return in.Paging, in.Verbose }

// ClusterList is the input of a list over one cluster (its backups).
type ClusterList struct {
	ClusterScope
	Paging
	Verbosity
}

func (in *ClusterList) prepare(env *Env) error {
	if err := in.resolveCluster(env); err != nil {
		return err
	}
	return in.Paging.normalize()
}
func (in *ClusterList) facts() Facts {
	return Facts{ProjectID: in.ProjectID, ClusterName: in.ClusterName}
}
func (in *ClusterList) page() (Paging, bool) { return in.Paging, in.Verbose }

// docRows reads a page of Atlas documents into rows; fromDoc makes one.
type docRows[T any] interface {
	page(ctx context.Context, env *Env, req *atlasclient.Request, p Paging, verbose bool) (*ListOutput[T], error)
}

// fromDoc reads the documents of a page as D and turns each into its row.
// Without verbose the page is decoded once, straight into []D; with it the
// raw documents are kept (the agent asked for them) and each is decoded
// from its bytes.
func fromDoc[D any, T any](row func(*D) T) docRows[T] { return docRowFunc[D, T](row) }

type docRowFunc[D any, T any] func(*D) T

func (row docRowFunc[D, T]) page(ctx context.Context, env *Env, req *atlasclient.Request, p Paging, verbose bool) (*ListOutput[T], error) {
	if verbose {
		return fetchPage(ctx, env, req, p, true, func(raw json.RawMessage) (T, error) {
			var d D
			if err := json.Unmarshal(raw, &d); err != nil {
				var zero T
				return zero, err
			}
			return row(&d), nil
		})
	}
	docs, err := fetchPage[D](ctx, env, req, p, false, nil)
	if err != nil {
		return nil, err
	}
	rows := make([]T, len(docs.Results))
	for i := range docs.Results {
		rows[i] = row(&docs.Results[i])
	}
	return pageOutput(p, docs.TotalCount, rows), nil
}
