package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// appServicesTools are the tools of this area, in the catalogue's order (reads first).
func appServicesTools() []*Tool {
	return []*Tool{listApps(), getApp(), listTriggers(), getTrigger()}
}

// The App Services Admin API v3.0 (API = AppServices in the operation table):
// plain JSON, no dated versions, no list envelope.
//
// Every tool here is GovUnavailable: App Services is a commercial-cloud
// service (services.cloud.mongodb.com, with no Atlas for Government
// counterpart), and Atlas for Government lists Triggers among the features
// unavailable for all API resources.

// appServicesEOL is shown once with every App Services answer.
const appServicesEOL = "App Services reached end-of-life on 2025-09-30: Atlas Device Sync, the Device SDKs, Data API, GraphQL, Static Hosting and HTTPS Endpoints no longer work, and their Admin API endpoints are deprecated. Database triggers remain available."

// App is the compact view of an App Services app.
type App struct {
	ID              string `json:"_id" jsonschema_description:"The app's ID (24 hex): the appId every other App Services call needs. Not client_app_id."`
	ClientAppID     string `json:"client_app_id,omitempty" jsonschema_description:"The client-facing app ID (name-xxxxx); not accepted as appId."`
	Name            string `json:"name"`
	Location        string `json:"location,omitempty"`
	DeploymentModel string `json:"deployment_model,omitempty"`
	Product         string `json:"product,omitempty"`
	Environment     string `json:"environment,omitempty"`
	LastUsed        int64  `json:"last_used,omitempty" jsonschema_description:"Unix seconds of the last request to the app."`
	LastModified    int64  `json:"last_modified,omitempty"`
}

func unixOrDash(s int64) string {
	if s <= 0 {
		return "-"
	}
	return time.Unix(s, 0).UTC().Format(time.RFC3339)
}

func appRows(as []App) string {
	rows := make([][]string, 0, len(as))
	for _, a := range as {
		rows = append(rows, []string{a.Name, a.ID, orDash(a.ClientAppID), orDash(a.Location), orDash(a.DeploymentModel), unixOrDash(a.LastUsed)})
	}
	return table([]string{"NAME", "APP ID", "CLIENT APP ID", "LOCATION", "DEPLOYMENT", "LAST USED"}, rows)
}

// Trigger is the compact view of an App Services trigger.
type Trigger struct {
	ID             string   `json:"_id" jsonschema_description:"The trigger's ID (24 hex), the triggerId appservices-get-trigger takes."`
	Name           string   `json:"name"`
	Type           string   `json:"type" jsonschema_description:"DATABASE, AUTHENTICATION or SCHEDULED."`
	Disabled       bool     `json:"disabled"`
	FunctionName   string   `json:"function_name,omitempty"`
	Database       string   `json:"database,omitempty"`
	Collection     string   `json:"collection,omitempty"`
	OperationTypes []string `json:"operation_types,omitempty"`
	Schedule       string   `json:"schedule,omitempty"`
}

func decodeTrigger(raw json.RawMessage) (Trigger, error) {
	var d struct {
		ID           string `json:"_id"`
		Name         string `json:"name"`
		Type         string `json:"type"`
		Disabled     bool   `json:"disabled"`
		FunctionName string `json:"function_name"`
		Config       struct {
			Database       string   `json:"database"`
			Collection     string   `json:"collection"`
			OperationTypes []string `json:"operation_types"`
			Schedule       string   `json:"schedule"`
		} `json:"config"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		return Trigger{}, err
	}
	return Trigger{ID: d.ID, Name: d.Name, Type: d.Type, Disabled: d.Disabled, FunctionName: d.FunctionName,
		Database: d.Config.Database, Collection: d.Config.Collection, OperationTypes: d.Config.OperationTypes, Schedule: d.Config.Schedule}, nil
}

func triggerRows(ts []Trigger) string {
	rows := make([][]string, 0, len(ts))
	for _, t := range ts {
		on := t.Schedule
		if t.Database != "" {
			on = t.Database
			if t.Collection != "" {
				on += "." + t.Collection
			}
			if len(t.OperationTypes) > 0 {
				on += " " + strings.Join(t.OperationTypes, ",")
			}
		}
		state := "enabled"
		if t.Disabled {
			state = "disabled"
		}
		rows = append(rows, []string{t.Name, t.ID, orDash(t.Type), orDash(on), orDash(t.FunctionName), state})
	}
	return table([]string{"NAME", "TRIGGER ID", "TYPE", "ON", "FUNCTION", "STATE"}, rows)
}

// localPage cuts one page out of a list the App Services API returns whole, so
// these tools page and report totalCount like every other list tool.
func localPage[T any](all []json.RawMessage, p Paging, verbose bool, conv func(json.RawMessage) (T, error)) (*ListOutput[T], error) {
	out := &ListOutput[T]{TotalCount: len(all), PageNum: p.PageNum, ItemsPerPage: p.ItemsPerPage, Results: []T{}}
	start := (p.PageNum - 1) * p.ItemsPerPage
	if start >= len(all) {
		return out, nil
	}
	page := all[start:min(start+p.ItemsPerPage, len(all))]
	for _, raw := range page {
		v, err := conv(raw)
		if err != nil {
			return nil, err
		}
		out.Results = append(out.Results, v)
	}
	if verbose {
		out.Raw = page
	}
	return out, nil
}

// AppScope names one App Services app of a project.
type AppScope struct {
	ProjectScope
	AppID string `json:"appId" jsonschema:"required,pattern=^[a-f0-9]{24}$" jsonschema_description:"The app's _id."`
}

func (a *AppScope) resolveApp(env *Env) error {
	return a.resolve(env)
}

func (a *AppScope) params() map[string]string {
	return map[string]string{"groupId": a.ProjectID, "appId": a.AppID}
}

// --- appservices-list-apps ---

// ListAppsInput lists the App Services apps of a project.
type ListAppsInput struct {
	ProjectScope
	Paging
	Verbosity
}

func (in *ListAppsInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	return in.Paging.normalize()
}
func (in *ListAppsInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }

func listApps() *Tool {
	return spec[ListAppsInput, ListOutput[App]]{
		Name:           "appservices-list-apps",
		Title:          "List App Services apps",
		Description:    "List a project's App Services apps; _id is the appId. App Services ended on 2025-09-30, except database triggers.",
		Area:           AreaAppServices,
		Op:             atlasclient.AppServicesListApps,
		GovUnavailable: true,
		Run: func(ctx context.Context, env *Env, in *ListAppsInput) (*Result, error) {
			var all []json.RawMessage
			if _, err := env.Client.Do(ctx, &atlasclient.Request{Op: atlasclient.AppServicesListApps, Params: map[string]string{"groupId": in.ProjectID}}, &all); err != nil {
				return nil, err
			}
			out, err := localPage(all, in.Paging, in.Verbose, unmarshalAs[App])
			if err != nil {
				return nil, fmt.Errorf("decoding an App Services app: %w", err)
			}
			return &Result{
				Summary:    fmt.Sprintf("App Services apps in project %s: %s", in.ProjectID, pageSummary("apps", out.TotalCount, out.PageNum, out.ItemsPerPage, len(out.Results))),
				Data:       dataIf(len(out.Results) > 0, func() string { return appRows(out.Results) }),
				Structured: out,
				Notice:     appServicesEOL,
			}, nil
		},
	}.tool()
}

// --- appservices-get-app ---

// GetAppInput names one app.
type GetAppInput struct {
	AppScope
	Verbosity
}

func (in *GetAppInput) prepare(env *Env) error { return in.resolveApp(env) }
func (in *GetAppInput) facts() Facts           { return Facts{ProjectID: in.ProjectID} }

// AppOutput is the structured answer about one app.
type AppOutput struct {
	App App             `json:"app"`
	Raw json.RawMessage `json:"raw,omitempty" jsonschema_description:"The full App Services document, only with verbose:true."`
}

func getApp() *Tool {
	return spec[GetAppInput, AppOutput]{
		Name:           "appservices-get-app",
		Title:          "Get App Services app",
		Description:    "Get one App Services app by appId: name, client_app_id, location, last use. End-of-life since 2025-09-30.",
		Area:           AreaAppServices,
		Op:             atlasclient.AppServicesGetApp,
		GovUnavailable: true,
		Run: func(ctx context.Context, env *Env, in *GetAppInput) (*Result, error) {
			var raw json.RawMessage
			if _, err := env.Client.Do(ctx, &atlasclient.Request{Op: atlasclient.AppServicesGetApp, Params: in.params()}, &raw); err != nil {
				return nil, err
			}
			var a App
			if err := json.Unmarshal(raw, &a); err != nil {
				return nil, fmt.Errorf("decoding App Services app %s: %w", in.AppID, err)
			}
			out := &AppOutput{App: a}
			if in.Verbose {
				out.Raw = raw
			}
			return &Result{Summary: fmt.Sprintf("App Services app %s in project %s.", in.AppID, in.ProjectID), Data: appRows([]App{a}), Structured: out, Notice: appServicesEOL}, nil
		},
	}.tool()
}

// --- appservices-list-triggers ---

// ListTriggersInput lists the triggers of one app.
type ListTriggersInput struct {
	AppScope
	Paging
	Verbosity
}

func (in *ListTriggersInput) prepare(env *Env) error {
	if err := in.resolveApp(env); err != nil {
		return err
	}
	return in.Paging.normalize()
}
func (in *ListTriggersInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }

func listTriggers() *Tool {
	return spec[ListTriggersInput, ListOutput[Trigger]]{
		Name:           "appservices-list-triggers",
		Title:          "List triggers",
		Description:    "List an App Services app's triggers: type, what each watches, its function, enabled. Outlive the 2025-09-30 end-of-life.",
		Area:           AreaAppServices,
		Op:             atlasclient.AppServicesListTriggers,
		GovUnavailable: true,
		Run: func(ctx context.Context, env *Env, in *ListTriggersInput) (*Result, error) {
			var all []json.RawMessage
			if _, err := env.Client.Do(ctx, &atlasclient.Request{Op: atlasclient.AppServicesListTriggers, Params: in.params()}, &all); err != nil {
				return nil, err
			}
			out, err := localPage(all, in.Paging, in.Verbose, decodeTrigger)
			if err != nil {
				return nil, fmt.Errorf("decoding a trigger: %w", err)
			}
			disabled := 0
			for _, t := range out.Results {
				if t.Disabled {
					disabled++
				}
			}
			summary := fmt.Sprintf("Triggers of app %s: %s", in.AppID, pageSummary("triggers", out.TotalCount, out.PageNum, out.ItemsPerPage, len(out.Results)))
			if disabled > 0 {
				summary += " " + strconv.Itoa(disabled) + " shown are disabled."
			}
			return &Result{
				Summary:    summary,
				Data:       dataIf(len(out.Results) > 0, func() string { return triggerRows(out.Results) }),
				Structured: out,
				Notice:     appServicesEOL,
			}, nil
		},
	}.tool()
}

// --- appservices-get-trigger ---

// GetTriggerInput names one trigger.
type GetTriggerInput struct {
	AppScope
	TriggerID string `json:"triggerId" jsonschema:"required,pattern=^[a-f0-9]{24}$" jsonschema_description:"The trigger's _id."`
	Verbosity
}

func (in *GetTriggerInput) prepare(env *Env) error {
	return in.resolveApp(env)
}
func (in *GetTriggerInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }

// TriggerOutput is the structured answer about one trigger.
type TriggerOutput struct {
	Trigger Trigger         `json:"trigger"`
	Raw     json.RawMessage `json:"raw,omitempty" jsonschema_description:"The full trigger document (config, event processors), only with verbose:true."`
}

func getTrigger() *Tool {
	return spec[GetTriggerInput, TriggerOutput]{
		Name:           "appservices-get-trigger",
		Title:          "Get trigger",
		Description:    "Get one App Services trigger by triggerId: type, what it watches, its function, enabled. Outlives the 2025-09-30 end-of-life.",
		Area:           AreaAppServices,
		Op:             atlasclient.AppServicesGetTrigger,
		GovUnavailable: true,
		Run: func(ctx context.Context, env *Env, in *GetTriggerInput) (*Result, error) {
			p := in.params()
			p["triggerId"] = in.TriggerID
			var raw json.RawMessage
			if _, err := env.Client.Do(ctx, &atlasclient.Request{Op: atlasclient.AppServicesGetTrigger, Params: p}, &raw); err != nil {
				return nil, err
			}
			t, err := decodeTrigger(raw)
			if err != nil {
				return nil, fmt.Errorf("decoding trigger %s: %w", in.TriggerID, err)
			}
			out := &TriggerOutput{Trigger: t}
			if in.Verbose {
				out.Raw = raw
			}
			state := "enabled"
			if t.Disabled {
				state = "disabled"
			}
			return &Result{Summary: fmt.Sprintf("Trigger %s of app %s (%s).", in.TriggerID, in.AppID, state), Data: triggerRows([]Trigger{t}), Structured: out, Notice: appServicesEOL}, nil
		},
	}.tool()
}
