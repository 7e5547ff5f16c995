package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/atlas-mcp/atlas-mcp/internal/server"
	"github.com/atlas-mcp/atlas-mcp/tools"
)

// toolRow is one catalogue line, for people (table) and machines (--json).
type toolRow struct {
	Name        string `json:"name"`
	Area        string `json:"area"`
	Access      string `json:"access"`
	Destructive bool   `json:"destructive"`
	Permission  string `json:"permission"`
	Title       string `json:"title"`
	Description string `json:"description"`
}

func catalogueRows(list []*tools.Tool) []toolRow {
	rows := make([]toolRow, 0, len(list))
	for _, t := range list {
		rows = append(rows, toolRow{Name: t.Name, Area: string(t.Area), Access: string(t.Access), Destructive: t.Destructive, Permission: t.Permission, Title: t.Title, Description: t.Description})
	}
	return rows
}

// toolsCommand prints the catalogue for the configured cloud and switches
// (--read-only and --disable-destructive remove tools, as they do for hosts).
func toolsCommand(cfg *config, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("tools", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print JSON")
	asMarkdown := fs.Bool("markdown", false, "print the README's catalogue table")
	agentName := fs.String("agent", "", "only the tools this agent of the policy may call (its view over MCP)")
	toolsets := fs.String("toolsets", "", "only these areas' tools, comma-separated (as the server's --toolsets)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *toolsets != "" {
		areas, err := tools.ParseToolsets(*toolsets)
		if err != nil {
			return fmt.Errorf("--toolsets: %w", err)
		}
		c := *cfg
		c.Toolsets = areas
		cfg = &c
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("atlas-mcp tools takes no arguments, got %q (flags: --json, --markdown, --agent NAME, --toolsets AREAS)", fs.Args())
	}
	p, err := loadPolicy(cfg)
	if err != nil {
		return err
	}
	list := server.Offered(cfg.catalogue(), p)
	if *agentName != "" {
		agent := p.Agent(*agentName)
		if agent == nil {
			return fmt.Errorf("--agent %q: no such agent in %s (agents: %s)", *agentName, orBuiltin(p.Source()), strings.Join(agentNames(p), ", "))
		}
		var visible []*tools.Tool
		for _, t := range list {
			if p.Visible(agent, server.ToolInfo(t)) {
				visible = append(visible, t)
			}
		}
		list = visible
	}
	rows := withWhoami(catalogueRows(list))
	if *asMarkdown {
		fmt.Fprint(stdout, markdownCatalogue(rows))
		return nil
	}
	if *asJSON {
		b, err := json.MarshalIndent(rows, "", "  ")
		if err != nil {
			return err
		}
		fmt.Fprintln(stdout, string(b))
		return nil
	}
	w := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(w, "NAME\tAREA\tACCESS\tDESTRUCTIVE\tATLAS ROLE")
	for _, r := range rows {
		d := ""
		if r.Destructive {
			d = "yes"
		}
		fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Area, r.Access, d, r.Permission)
	}
	return w.Flush()
}

// markdownCatalogue renders the README's catalogue table; a test keeps the
// README equal to it so the documentation cannot drift from the code.
func markdownCatalogue(rows []toolRow) string {
	var b strings.Builder
	b.WriteString("| tool | area | access | destructive | Atlas role | what it does |\n")
	b.WriteString("| --- | --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		d := ""
		if r.Destructive {
			d = "**yes**"
		}
		desc := firstSentence(r.Description)
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.Name, r.Area, r.Access, d, r.Permission, strings.ReplaceAll(desc, "|", "\\|"))
	}
	return b.String()
}

// withWhoami appends the built-in atlas-whoami, which every agent is offered
// beside the catalogue; it has no Atlas area or role.
func withWhoami(rows []toolRow) []toolRow {
	name, title, desc := server.Whoami()
	return append(rows, toolRow{Name: name, Area: "builtin", Access: "read", Title: title, Description: desc})
}

func orBuiltin(source string) string {
	if source == "" {
		return "the built-in default policy"
	}
	return source
}

// firstSentence is the description up to its first full stop that ends a
// sentence: one followed by a space, and not the end of an abbreviation such
// as "e.g." or "i.e.".
func firstSentence(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] != '.' || i+1 >= len(s) || s[i+1] != ' ' {
			continue
		}
		head := strings.ToLower(s[:i+1])
		if strings.HasSuffix(head, "e.g.") || strings.HasSuffix(head, "i.e.") || strings.HasSuffix(head, " vs.") || strings.HasSuffix(head, " cf.") {
			continue
		}
		return s[:i+1]
	}
	return s
}
