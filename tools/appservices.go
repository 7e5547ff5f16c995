package tools

import (
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
func (in *ListAppsInput) params() map[string]string {
	return map[string]string{"groupId": in.ProjectID}
}
func (in *ListAppsInput) page() (Paging, bool) { return in.Paging, in.Verbose }

func listApps() *Tool {
	return listSpec[ListAppsInput, App]{
		Name:           "appservices-list-apps",
		Title:          "List App Services apps",
		Description:    "List a project's App Services apps; _id is the appId. App Services ended on 2025-09-30, except database triggers.",
		Area:           AreaAppServices,
		Op:             atlasclient.AppServicesListApps,
		GovUnavailable: true,
		Unpaged:        true,
		What:           func(in *ListAppsInput) string { return "App Services apps in project " + in.ProjectID },
		Noun:           "apps",
		Rows:           appRows,
		Notice:         appServicesEOL,
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
	return getSpec[GetAppInput, App, AppOutput]{
		Name:           "appservices-get-app",
		Title:          "Get App Services app",
		Description:    "Get one App Services app by appId: name, client_app_id, location, last use. End-of-life since 2025-09-30.",
		Area:           AreaAppServices,
		Op:             atlasclient.AppServicesGetApp,
		GovUnavailable: true,
		Noun:           "App Services app",
		Answer: func(in *GetAppInput, a App, raw json.RawMessage) *Result {
			return &Result{Summary: fmt.Sprintf("App Services app %s in project %s.", in.AppID, in.ProjectID), Data: appRows([]App{a}), Structured: &AppOutput{App: a, Raw: raw}, Notice: appServicesEOL}
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
func (in *ListTriggersInput) facts() Facts         { return Facts{ProjectID: in.ProjectID} }
func (in *ListTriggersInput) page() (Paging, bool) { return in.Paging, in.Verbose }

func listTriggers() *Tool {
	return listSpec[ListTriggersInput, Trigger]{
		Name:           "appservices-list-triggers",
		Title:          "List triggers",
		Description:    "List an App Services app's triggers: type, what each watches, its function, enabled. Outlive the 2025-09-30 end-of-life.",
		Area:           AreaAppServices,
		Op:             atlasclient.AppServicesListTriggers,
		GovUnavailable: true,
		Unpaged:        true,
		Decode:         decodeTrigger,
		What:           func(in *ListTriggersInput) string { return "Triggers of app " + in.AppID },
		Noun:           "triggers",
		Rows:           triggerRows,
		Warn: func(ts []Trigger) string {
			disabled := 0
			for _, t := range ts {
				if t.Disabled {
					disabled++
				}
			}
			if disabled == 0 {
				return ""
			}
			return " " + strconv.Itoa(disabled) + " shown are disabled."
		},
		Notice: appServicesEOL,
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
func (in *GetTriggerInput) params() map[string]string {
	p := in.AppScope.params()
	p["triggerId"] = in.TriggerID
	return p
}

// TriggerOutput is the structured answer about one trigger.
type TriggerOutput struct {
	Trigger Trigger         `json:"trigger"`
	Raw     json.RawMessage `json:"raw,omitempty" jsonschema_description:"The full trigger document (config, event processors), only with verbose:true."`
}

func getTrigger() *Tool {
	return getSpec[GetTriggerInput, Trigger, TriggerOutput]{
		Name:           "appservices-get-trigger",
		Title:          "Get trigger",
		Description:    "Get one App Services trigger by triggerId: type, what it watches, its function, enabled. Outlives the 2025-09-30 end-of-life.",
		Area:           AreaAppServices,
		Op:             atlasclient.AppServicesGetTrigger,
		GovUnavailable: true,
		Decode:         decodeTrigger,
		Noun:           "trigger",
		Answer: func(in *GetTriggerInput, t Trigger, raw json.RawMessage) *Result {
			state := "enabled"
			if t.Disabled {
				state = "disabled"
			}
			return &Result{Summary: fmt.Sprintf("Trigger %s of app %s (%s).", in.TriggerID, in.AppID, state), Data: triggerRows([]Trigger{t}), Structured: &TriggerOutput{Trigger: t, Raw: raw}, Notice: appServicesEOL}
		},
	}.tool()
}
