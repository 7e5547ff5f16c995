package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// ProjectScope is the projectId argument shared by project-scoped tools.
type ProjectScope struct {
	ProjectID string `json:"projectId,omitempty" jsonschema:"pattern=^[a-f0-9]{24}$" jsonschema_description:"Default: MONGODB_ATLAS_PROJECT_ID."`
}

func (p *ProjectScope) resolve(env *Env) error {
	return resolveID("projectId", &p.ProjectID, env.DefaultProjectID, "MONGODB_ATLAS_PROJECT_ID", "atlas-list-projects")
}

// OrgScope is the orgId argument shared by organization-scoped tools.
type OrgScope struct {
	OrgID string `json:"orgId,omitempty" jsonschema:"pattern=^[a-f0-9]{24}$" jsonschema_description:"Default: MONGODB_ATLAS_ORG_ID."`
}

func (o *OrgScope) resolve(env *Env) error {
	return resolveID("orgId", &o.OrgID, env.DefaultOrgID, "MONGODB_ATLAS_ORG_ID", "atlas-list-orgs")
}

// Paging passes Atlas's page parameters through so an agent can page a long list.
type Paging struct {
	PageNum      int `json:"pageNum,omitempty" jsonschema:"minimum=1" jsonschema_description:"From 1."`
	ItemsPerPage int `json:"itemsPerPage,omitempty" jsonschema:"minimum=1,maximum=500" jsonschema_description:"Default 100."`
}

// normalize fills the defaults; the input schema holds the bounds.
func (p *Paging) normalize() error {
	if p.PageNum == 0 {
		p.PageNum = 1
	}
	if p.ItemsPerPage == 0 {
		p.ItemsPerPage = 100
	}
	return nil
}

// Verbosity asks for the full Atlas documents in the structured answer.
type Verbosity struct {
	Verbose bool `json:"verbose,omitempty" jsonschema_description:"Full Atlas documents too."`
}

// WriteOptions is shared by every write tool.
type WriteOptions struct {
	DryRun bool `json:"dryRun,omitempty" jsonschema_description:"Plan and check only."`
	// ConfirmationToken is read by the server, not by the tool: see the
	// policy's confirm.withoutElicitation: token mode.
	ConfirmationToken string `json:"confirmationToken,omitempty" jsonschema_description:"Only as an earlier answer gave it."`
	// ApprovalID resumes a call a person approved out of band.
	ApprovalID string `json:"approvalId,omitempty" jsonschema_description:"Only from an approved pending answer."`
}

func (w *WriteOptions) writeOptions() *WriteOptions { return w }

// Waiting lets long operations block until Atlas reports a stable state.
type Waiting struct {
	Wait bool `json:"wait,omitempty" jsonschema_description:"Block until Atlas is done."`
}

func (w *Waiting) waits() bool { return w.Wait }

// ListOutput is the structured answer of every list tool.
type ListOutput[T any] struct {
	TotalCount   int               `json:"totalCount" jsonschema_description:"Total number of items Atlas reports across all pages."`
	PageNum      int               `json:"pageNum"`
	ItemsPerPage int               `json:"itemsPerPage"`
	Results      []T               `json:"results"`
	Raw          []json.RawMessage `json:"raw,omitempty" jsonschema_description:"Full Atlas documents, only with verbose:true."`
}

// fetchPage reads one page of an Atlas list as rows. Without conv, and
// without verbose, the page is decoded straight into T, one pass over it;
// otherwise it is read as raw documents, which verbose returns and conv turns
// into rows one by one (nil conv: decoded as T).
func fetchPage[T any](ctx context.Context, env *Env, req *atlasclient.Request, p Paging, verbose bool, conv func(json.RawMessage) (T, error)) (*ListOutput[T], error) {
	var page *atlasclient.Page[json.RawMessage]
	if conv == nil && !verbose {
		typed, raw, err := atlasclient.ListPageOf[T](ctx, env.Client, req, p.PageNum, p.ItemsPerPage)
		if err != nil {
			return nil, err
		}
		if typed != nil {
			return pageOutput(p, typed.TotalCount, typed.Results), nil
		}
		// Some item is not a T: decode them one by one below, so that the
		// error names the operation as it does on the raw path.
		page = raw
	} else {
		raw, err := atlasclient.ListPage[json.RawMessage](ctx, env.Client, req, p.PageNum, p.ItemsPerPage)
		if err != nil {
			return nil, err
		}
		page = raw
	}
	if conv == nil {
		conv = unmarshalAs[T]
	}
	rows := make([]T, 0, len(page.Results))
	for _, raw := range page.Results {
		v, err := conv(raw)
		if err != nil {
			return nil, fmt.Errorf("decoding an item of %s: %w", req.Op, err)
		}
		rows = append(rows, v)
	}
	out := pageOutput(p, page.TotalCount, rows)
	if verbose {
		out.Raw = page.Results
	}
	return out, nil
}

// pageOutput is the answer for one page of rows.
func pageOutput[T any](p Paging, totalCount int, rows []T) *ListOutput[T] {
	if rows == nil {
		rows = []T{} // "results": [], never null
	}
	// totalCount is Atlas's estimate and is absent with includeCount=false; never
	// report fewer items than this page proves exist.
	total := max(totalCount, (p.PageNum-1)*p.ItemsPerPage+len(rows))
	return &ListOutput[T]{TotalCount: total, PageNum: p.PageNum, ItemsPerPage: p.ItemsPerPage, Results: rows}
}

// unmarshalAs is the common conv for fetchPage.
func unmarshalAs[T any](raw json.RawMessage) (T, error) {
	var v T
	err := json.Unmarshal(raw, &v)
	return v, err
}

// pageSummary says how much of a list the answer holds, so nothing is silently cut.
func pageSummary(noun string, total, pageNum, perPage, got int) string {
	if got == 0 && total == 0 {
		return fmt.Sprintf("No %s.", noun)
	}
	first := (pageNum-1)*perPage + 1
	s := fmt.Sprintf("%d %s in total; showing %d-%d (page %d, %d per page).", total, noun, first, first+got-1, pageNum, perPage)
	if first+got-1 < total {
		s += fmt.Sprintf(" More exist: call again with pageNum %d.", pageNum+1)
	}
	return s
}

// table renders rows as aligned columns: compact for a model, readable for a person.
func table(header []string, rows [][]string) string {
	var b strings.Builder
	w := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, strings.Join(header, "\t"))
	for _, r := range rows {
		fmt.Fprintln(w, strings.Join(r, "\t"))
	}
	w.Flush()
	return strings.TrimRight(b.String(), "\n")
}

// findListed reads a list while planning, page by page, until match accepts
// an item, and returns it (nil when no page holds it). For resources the
// operations table has no single-item read of.
func (b *Builder) findListed(req *atlasclient.Request, match func(json.RawMessage) bool) (json.RawMessage, error) {
	for pageNum := 1; ; pageNum++ {
		r := *req
		r.Query = url.Values{"pageNum": {strconv.Itoa(pageNum)}, "itemsPerPage": {strconv.Itoa(atlasclient.MaxItemsPerPage)}}
		var page atlasclient.Page[json.RawMessage]
		if _, err := b.Read(&r, &page); err != nil {
			return nil, err
		}
		for _, item := range page.Results {
			if match(item) {
				return item, nil
			}
		}
		if len(page.Results) < atlasclient.MaxItemsPerPage || pageNum*atlasclient.MaxItemsPerPage >= page.TotalCount {
			return nil, nil
		}
	}
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
