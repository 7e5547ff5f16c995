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
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("atlas-mcp tools takes no arguments, got %q (flags: --json, --markdown)", fs.Args())
	}
	p, err := loadPolicy(cfg)
	if err != nil {
		return err
	}
	list := server.Offered(tools.ForCloud(cfg.cloud()), p)
	rows := catalogueRows(list)
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
		desc := r.Description
		if i := strings.Index(desc, ". "); i > 0 {
			desc = desc[:i+1]
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s | %s | %s | %s |\n", r.Name, r.Area, r.Access, d, r.Permission, strings.ReplaceAll(desc, "|", "\\|"))
	}
	return b.String()
}
