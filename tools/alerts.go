package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"net/mail"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// alertTools are the tools of this area, in the catalogue's order (reads first).
func alertTools() []*Tool {
	return []*Tool{listAlerts(), listAlertConfigs(), createAlertConfig()}
}

var upperSnake = lazyRegexp(upperSnakePattern)

// Alert is the compact view of an alert. Every string in it comes from Atlas and
// is shown only as untrusted data.
type Alert struct {
	ID                string            `json:"id"`
	EventTypeName     string            `json:"eventTypeName"`
	Status            string            `json:"status" jsonschema:"enum=OPEN,enum=TRACKING,enum=CLOSED,enum=CANCELLED"`
	Created           string            `json:"created,omitempty"`
	Updated           string            `json:"updated,omitempty"`
	Resolved          string            `json:"resolved,omitempty"`
	AlertConfigID     string            `json:"alertConfigId,omitempty"`
	ClusterName       string            `json:"clusterName,omitempty"`
	ReplicaSetName    string            `json:"replicaSetName,omitempty"`
	HostnameAndPort   string            `json:"hostnameAndPort,omitempty"`
	MetricName        string            `json:"metricName,omitempty"`
	CurrentValue      *AlertMetricValue `json:"currentValue,omitempty"`
	AcknowledgedUntil string            `json:"acknowledgedUntil,omitempty"`
}

// AlertMetricValue is the metric reading that raised an alert.
type AlertMetricValue struct {
	Number float64 `json:"number"`
	Units  string  `json:"units,omitempty"`
}

func (a Alert) target() string {
	switch {
	case a.HostnameAndPort != "":
		return a.HostnameAndPort
	case a.ClusterName != "" && a.ReplicaSetName != "":
		return a.ClusterName + "/" + a.ReplicaSetName
	case a.ClusterName != "":
		return a.ClusterName
	}
	return a.ReplicaSetName
}

func alertRows(as []Alert) string {
	rows := make([][]string, 0, len(as))
	for _, a := range as {
		what := a.EventTypeName
		if a.MetricName != "" {
			what += " " + a.MetricName
			if a.CurrentValue != nil {
				what += "=" + strconv.FormatFloat(a.CurrentValue.Number, 'g', -1, 64) + a.CurrentValue.Units
			}
		}
		rows = append(rows, []string{a.ID, what, a.Status, orDash(a.target()), orDash(a.Created)})
	}
	return table([]string{"ALERT ID", "EVENT", "STATUS", "TARGET", "CREATED"}, rows)
}

// --- atlas-list-alerts ---

// ListAlertsInput lists a project's alerts.
type ListAlertsInput struct {
	ProjectScope
	Status string `json:"status,omitempty" jsonschema:"enum=OPEN,enum=TRACKING,enum=CLOSED" jsonschema_description:"Only alerts in this state; omit for all."`
	Paging
	Verbosity
}

func (in *ListAlertsInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	return in.Paging.normalize()
}
func (in *ListAlertsInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }
func (in *ListAlertsInput) params() map[string]string {
	return map[string]string{"groupId": in.ProjectID}
}
func (in *ListAlertsInput) page() (Paging, bool) { return in.Paging, in.Verbose }
func (in *ListAlertsInput) query() url.Values {
	if in.Status == "" {
		return nil
	}
	return url.Values{"status": {in.Status}}
}

func listAlerts() *Tool {
	return listSpec[ListAlertsInput, Alert]{
		Name:        "atlas-list-alerts",
		Title:       "List alerts",
		Description: "List a project's alerts: event, status, affected host or cluster, metric value, when it fired.",
		Area:        AreaAlerts,
		Op:          atlasclient.ListGroupAlerts,
		What:        func(in *ListAlertsInput) string { return "Alerts in project " + in.ProjectID },
		NounFor: func(in *ListAlertsInput) string {
			if in.Status != "" {
				return in.Status + " alerts"
			}
			return "alerts"
		},
		Rows: alertRows,
	}.tool()
}

// --- alert configurations ---

// AlertConfig is the compact view of an alert configuration.
type AlertConfig struct {
	ID            string   `json:"id"`
	EventTypeName string   `json:"eventTypeName"`
	Enabled       bool     `json:"enabled"`
	Notifications []string `json:"notifications" jsonschema_description:"Who is notified, as TYPE:target."`
	Condition     string   `json:"condition,omitempty" jsonschema_description:"The threshold or metric threshold, e.g. CONNECTIONS GREATER_THAN 500."`
	Matchers      []string `json:"matchers,omitempty" jsonschema_description:"Which resources the configuration applies to, as FIELD OPERATOR value."`
	Created       string   `json:"created,omitempty"`
	Updated       string   `json:"updated,omitempty"`
}

type alertConfigDoc struct {
	ID              string            `json:"id"`
	EventTypeName   string            `json:"eventTypeName"`
	Enabled         bool              `json:"enabled"`
	Created         string            `json:"created"`
	Updated         string            `json:"updated"`
	Notifications   []json.RawMessage `json:"notifications"`
	Matchers        []AlertMatcher    `json:"matchers"`
	Threshold       *AlertThreshold   `json:"threshold"`
	MetricThreshold *MetricThreshold  `json:"metricThreshold"`
}

func decodeAlertConfig(raw json.RawMessage) (AlertConfig, error) {
	var d alertConfigDoc
	if err := json.Unmarshal(raw, &d); err != nil {
		return AlertConfig{}, err
	}
	c := AlertConfig{ID: d.ID, EventTypeName: d.EventTypeName, Enabled: d.Enabled, Created: d.Created, Updated: d.Updated, Notifications: []string{}}
	for _, n := range d.Notifications {
		var v struct {
			TypeName     string   `json:"typeName"`
			EmailAddress string   `json:"emailAddress"`
			Username     string   `json:"username"`
			ChannelName  string   `json:"channelName"`
			MobileNumber string   `json:"mobileNumber"`
			TeamName     string   `json:"teamName"`
			Roles        []string `json:"roles"`
		}
		if err := json.Unmarshal(n, &v); err != nil {
			return c, err
		}
		// Only who is notified, never a key or token Atlas might return.
		target := v.EmailAddress + v.Username + v.ChannelName + v.MobileNumber + v.TeamName
		if target == "" && len(v.Roles) > 0 {
			target = strings.Join(v.Roles, "+")
		}
		if target != "" {
			c.Notifications = append(c.Notifications, v.TypeName+":"+target)
		} else {
			c.Notifications = append(c.Notifications, v.TypeName)
		}
	}
	for _, m := range d.Matchers {
		c.Matchers = append(c.Matchers, m.FieldName+" "+m.Operator+" "+m.Value)
	}
	switch {
	case d.MetricThreshold != nil:
		t := d.MetricThreshold
		c.Condition = strings.TrimSpace(fmt.Sprintf("%s %s %s %s", t.MetricName, t.Operator, formatNumber(t.Threshold), t.Units))
	case d.Threshold != nil:
		t := d.Threshold
		c.Condition = strings.TrimSpace(fmt.Sprintf("%s %s %s", t.Operator, formatNumber(t.Threshold), t.Units))
	}
	return c, nil
}

func formatNumber(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'g', -1, 64)
}

func alertConfigRows(cs []AlertConfig) string {
	rows := make([][]string, 0, len(cs))
	for _, c := range cs {
		enabled := "no"
		if c.Enabled {
			enabled = "yes"
		}
		rows = append(rows, []string{c.ID, c.EventTypeName, orDash(c.Condition), enabled, strings.Join(c.Notifications, ",")})
	}
	return table([]string{"CONFIG ID", "EVENT", "CONDITION", "ENABLED", "NOTIFY"}, rows)
}

// --- atlas-list-alert-configs ---

// ListAlertConfigsInput lists a project's alert configurations.
type ListAlertConfigsInput = ProjectList

func listAlertConfigs() *Tool {
	return listSpec[ListAlertConfigsInput, AlertConfig]{
		Name:        "atlas-list-alert-configs",
		Title:       "List alert configurations",
		Description: "List a project's alert configurations: event or threshold, enabled, who is notified.",
		Area:        AreaAlerts,
		Op:          atlasclient.ListGroupAlertConfigs,
		Decode:      decodeAlertConfig,
		What:        func(in *ListAlertConfigsInput) string { return "Alert configurations in project " + in.ProjectID },
		Noun:        "alert configurations",
		Rows:        alertConfigRows,
		// Stored notification credentials (service keys, webhook URLs and
		// their tokens) never reach the agent, whatever Atlas masks.
		Raw: func(raw json.RawMessage) json.RawMessage { return redactBody(raw, secretNotificationFields) },
	}.tool()
}

// --- atlas-create-alert-config ---

// AlertNotification is one notification target of the flat form: the
// common kinds (an address, a user, the project's or organization's members
// by role, a team, Slack through a configured integration). The other kinds
// and any credential (a Slack token, PagerDuty keys, webhook URLs...) go in
// body, the full GroupAlertsConfig, so no credential is an argument of its
// own and the schema stays small.
type AlertNotification struct {
	TypeName      string   `json:"typeName" jsonschema:"required,enum=EMAIL,enum=USER,enum=GROUP,enum=ORG,enum=TEAM,enum=SLACK" jsonschema_description:"Kind of target; other kinds go in body."`
	EmailAddress  string   `json:"emailAddress,omitempty" jsonschema:"maxLength=256"`
	Username      string   `json:"username,omitempty" jsonschema:"maxLength=256"`
	Roles         []string `json:"roles,omitempty" jsonschema:"pattern=^[A-Z][A-Z0-9_]*$"`
	EmailEnabled  *bool    `json:"emailEnabled,omitempty"`
	SMSEnabled    *bool    `json:"smsEnabled,omitempty"`
	TeamID        string   `json:"teamId,omitempty" jsonschema:"pattern=^[a-f0-9]{24}$"`
	IntegrationID string   `json:"integrationId,omitempty" jsonschema:"pattern=^[a-f0-9]{24}$" jsonschema_description:"SLACK: the project's integration ID."`
	ChannelName   string   `json:"channelName,omitempty" jsonschema:"maxLength=256"`
	IntervalMin   int      `json:"intervalMin,omitempty" jsonschema:"minimum=5"`
	DelayMin      *int     `json:"delayMin,omitempty" jsonschema:"minimum=0"`
}

// notificationKind lists, for a typeName, the fields that apply besides the
// common ones, and the field that must be set.
func notificationKind(typeName string) (allowed []string, required string, ok bool) {
	switch typeName {
	case "EMAIL":
		return []string{"emailAddress"}, "emailAddress", true
	case "USER":
		return []string{"username", "emailEnabled", "smsEnabled"}, "username", true
	case "GROUP", "ORG":
		return []string{"roles", "emailEnabled", "smsEnabled"}, "", true
	case "TEAM":
		return []string{"teamId", "emailEnabled", "smsEnabled"}, "teamId", true
	case "SLACK":
		return []string{"integrationId", "channelName"}, "integrationId", true
	}
	return nil, "", false
}

// secretNotificationFields are the notification fields that hold
// credentials. The plan marks them secret, so renderings and records mask
// them (redactBody also masks them by name at any depth, including in the
// body escape hatch, which has no Go type to carry secret tags). A webhook
// URL is a credential: whoever holds it can post as the integration.
var secretNotificationFields = []string{"apiToken", "serviceKey", "webhookSecret", "webhookUrl", "datadogApiKey", "opsGenieApiKey", "microsoftTeamsWebhookUrl", "victorOpsApiKey", "victorOpsRoutingKey", "notificationToken"}

// notificationLine renders one notification of a planned body for a person:
// its kind and who is notified, never a credential.
func notificationLine(n map[string]any) string {
	t := orDash(member[string](n, "typeName"))
	var who []string
	for _, k := range []string{"emailAddress", "username", "channelName", "mobileNumber", "teamId", "teamName", "integrationId", "notifierId"} {
		if v := member[string](n, k); v != "" {
			who = append(who, k+" "+v)
		}
	}
	if rs := member[[]any](n, "roles"); len(rs) > 0 {
		who = append(who, "roles "+compactJSON(rs, 120))
	}
	var secrets []string
	for k, v := range n {
		if (isSecretMember(k) || containsFold(secretNotificationFields, k)) && v != nil && v != "" {
			secrets = append(secrets, k)
		}
	}
	sort.Strings(secrets)
	l := "notify " + t
	if len(who) > 0 {
		l += ": " + strings.Join(who, ", ")
	}
	if len(secrets) > 0 {
		l += " (with " + strings.Join(secrets, ", ") + ": " + redactedValue + ")"
	}
	if v := member[any](n, "intervalMin"); v != nil {
		l += fmt.Sprintf(", every %v min", v)
	}
	if v := member[any](n, "delayMin"); v != nil {
		l += fmt.Sprintf(", after %v min", v)
	}
	return l
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// alertConfigLines renders a planned GroupAlertsConfig, from the body that
// is sent with its secrets masked.
func alertConfigLines(body json.RawMessage) []string {
	var m map[string]any
	dec := json.NewDecoder(strings.NewReader(string(redactBody(body, secretNotificationFields))))
	dec.UseNumber()
	_ = dec.Decode(&m)
	lines := []string{"event " + orDash(member[string](m, "eventTypeName"))}
	if e, ok := member[any](m, "enabled").(bool); ok && !e {
		lines = append(lines, "disabled")
	}
	for _, k := range []string{"threshold", "metricThreshold"} {
		if v := member[any](m, k); v != nil {
			lines = append(lines, k+" "+compactJSON(v, 200))
		}
	}
	for _, x := range member[[]any](m, "matchers") {
		mm, _ := x.(map[string]any)
		lines = append(lines, fmt.Sprintf("only where %s %s %s", member[string](mm, "fieldName"), member[string](mm, "operator"), member[string](mm, "value")))
	}
	for _, x := range member[[]any](m, "notifications") {
		n, _ := x.(map[string]any)
		lines = append(lines, notificationLine(n))
	}
	var other []string
	for k := range m {
		switch strings.ToLower(k) {
		case "eventtypename", "enabled", "threshold", "metricthreshold", "matchers", "notifications":
		default:
			other = append(other, k+" "+compactJSON(m[k], 160))
		}
	}
	sort.Strings(other)
	return append(lines, other...)
}

// AlertMatcher selects the resources an alert configuration applies to.
type AlertMatcher struct {
	FieldName string `json:"fieldName" jsonschema:"required,pattern=^[A-Z][A-Z0-9_]*$"`
	Operator  string `json:"operator" jsonschema:"required,enum=EQUALS,enum=CONTAINS,enum=STARTS_WITH,enum=ENDS_WITH,enum=NOT_EQUALS,enum=NOT_CONTAINS,enum=REGEX"`
	Value     string `json:"value" jsonschema:"required,minLength=1,maxLength=256"`
}

// AlertThreshold raises an alert when an event's value crosses it.
type AlertThreshold struct {
	Operator  string   `json:"operator" jsonschema:"required,enum=GREATER_THAN,enum=LESS_THAN"`
	Threshold *float64 `json:"threshold" jsonschema:"required"`
	Units     string   `json:"units,omitempty"`
}

// MetricThreshold raises an alert when a host metric crosses a value.
type MetricThreshold struct {
	MetricName string   `json:"metricName" jsonschema:"required,pattern=^[A-Z][A-Z0-9_]*$"`
	Operator   string   `json:"operator" jsonschema:"required,enum=GREATER_THAN,enum=LESS_THAN"`
	Threshold  *float64 `json:"threshold" jsonschema:"required"`
	Units      string   `json:"units,omitempty"`
	Mode       string   `json:"mode,omitempty" jsonschema:"enum=AVERAGE"`
}

// CreateAlertConfigInput creates an alert configuration from flat arguments, or
// from a full GroupAlertsConfig in body.
type CreateAlertConfigInput struct {
	ProjectScope
	EventTypeName   string              `json:"eventTypeName,omitempty" jsonschema:"maxLength=100,pattern=^[A-Z][A-Z0-9_]*$" jsonschema_description:"Event, e.g. NO_PRIMARY, OUTSIDE_METRIC_THRESHOLD (with metricThreshold)."`
	Enabled         *bool               `json:"enabled,omitempty" jsonschema_description:"Default true."`
	Notifications   []AlertNotification `json:"notifications,omitempty" jsonschema_description:"At least one."`
	Matchers        []AlertMatcher      `json:"matchers,omitempty" jsonschema_description:"Only resources that match."`
	Threshold       *AlertThreshold     `json:"threshold,omitempty" jsonschema_description:"For events with a threshold."`
	MetricThreshold *MetricThreshold    `json:"metricThreshold,omitempty" jsonschema_description:"For metric events."`
	Body            json.RawMessage     `json:"body,omitempty" jsonschema:"type=object" jsonschema_description:"Full Atlas GroupAlertsConfig instead: any kind, credentials."`
	WriteOptions

	body map[string]any
}

func (in *CreateAlertConfigInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	if len(in.Body) > 0 {
		if in.EventTypeName != "" || in.Enabled != nil || in.Notifications != nil || in.Matchers != nil || in.Threshold != nil || in.MetricThreshold != nil {
			return invalid("body", "cannot be combined with eventTypeName, enabled, notifications, matchers, threshold or metricThreshold", "give either the flat arguments or body")
		}
		return in.prepareBody(env)
	}
	// The form of eventTypeName is the schema's; that the flat form needs
	// one, and what Atlas for Government refuses, are not.
	if in.EventTypeName == "" {
		return invalid("eventTypeName", "is required", nameHints["eventTypeName"].required)
	}
	if err := govEventType(env, "eventTypeName", in.EventTypeName); err != nil {
		return err
	}
	if len(in.Notifications) == 0 {
		return invalid("notifications", "must hold at least one target", `give e.g. [{"typeName":"EMAIL","emailAddress":"ops@example.com"}]`)
	}
	for i := range in.Notifications {
		if err := checkNotification(fmt.Sprintf("notifications[%d]", i), &in.Notifications[i]); err != nil {
			return err
		}
	}
	for i, m := range in.Matchers {
		if err := checkText(fmt.Sprintf("matchers[%d].value", i), m.Value); err != nil {
			return err
		}
	}
	if in.Threshold != nil && in.MetricThreshold != nil {
		return invalid("threshold", "cannot be combined with metricThreshold", "metric events take metricThreshold; other events with a limit take threshold")
	}
	if t := in.MetricThreshold; t != nil {
		if t.Mode == "" {
			t.Mode = "AVERAGE"
		}
	} else if in.EventTypeName == "OUTSIDE_METRIC_THRESHOLD" {
		return invalid("metricThreshold", "is required for OUTSIDE_METRIC_THRESHOLD", `give e.g. {"metricName":"CONNECTIONS","operator":"GREATER_THAN","threshold":500,"units":"RAW"}`)
	}
	if in.Enabled == nil {
		t := true
		in.Enabled = &t
	}
	return nil
}

// checkEventType validates an event type name and the gov rule on billing alerts.
// checkEventType checks the eventTypeName of a body escape hatch, which the
// input schema leaves free (the flat argument's form is the schema's).
func checkEventType(env *Env, field, v string) error {
	if v == "" {
		return invalid(field, "is required", nameHints["eventTypeName"].required)
	}
	if len(v) > 100 || !upperSnake().MatchString(v) {
		return invalid(field, fmt.Sprintf("%q is not an Atlas event type name", truncate(v, 40)), nameHints["eventTypeName"].fix)
	}
	return govEventType(env, field, v)
}

// govEventType refuses the event types Atlas for Government does not have.
func govEventType(env *Env, field, v string) error {
	if env.gov() && v == "CREDIT_CARD_ABOUT_TO_EXPIRE" {
		return &GovRuleError{Field: field, Rule: "Alerts related to payment methods are unavailable.", Fix: "choose another event type"}
	}
	return nil
}

func checkNotification(f string, n *AlertNotification) error {
	// typeName is one of the schema's enum: notificationKind knows each.
	kindFields, required, _ := notificationKind(n.TypeName)
	// Refuse fields of another kind of target: Atlas would ignore or reject
	// them, and a misplaced address is a notification that never arrives.
	var set map[string]any
	b, _ := json.Marshal(n)
	_ = json.Unmarshal(b, &set)
	allowed := map[string]bool{"typeName": true, "intervalMin": true, "delayMin": true}
	for _, k := range kindFields {
		allowed[k] = true
	}
	keys := make([]string, 0, len(set))
	for k := range set {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if !allowed[k] {
			return invalid(f+"."+k, fmt.Sprintf("does not apply to typeName %s", n.TypeName), "remove it, or change typeName")
		}
	}
	if _, have := set[required]; required != "" && !have {
		fix := "give it"
		if required == "integrationId" {
			fix = "give the ID of the project's Slack integration, or send a token in body (the full GroupAlertsConfig)"
		}
		return invalid(f+"."+required, fmt.Sprintf("is required for typeName %s", n.TypeName), fix)
	}
	if n.EmailAddress != "" {
		if a, err := mail.ParseAddress(n.EmailAddress); err != nil || a.Address != n.EmailAddress {
			return invalid(f+".emailAddress", fmt.Sprintf("%q is not an email address", truncate(n.EmailAddress, 60)), "give a bare address such as ops@example.com")
		}
	}
	for _, t := range []struct{ field, v string }{{"emailAddress", n.EmailAddress}, {"username", n.Username}, {"channelName", n.ChannelName}} {
		if err := checkText(f+"."+t.field, t.v); err != nil {
			return err
		}
	}
	return nil
}

// prepareBody validates the escape hatch just enough to keep obviously broken
// requests from Atlas; Atlas validates the rest.
func (in *CreateAlertConfigInput) prepareBody(env *Env) error {
	if err := json.Unmarshal(in.Body, &in.body); err != nil || in.body == nil {
		return invalid("body", "must be a JSON object (a GroupAlertsConfig)", "send {eventTypeName, notifications:[...], ...}")
	}
	et, _ := in.body["eventTypeName"].(string)
	if err := checkEventType(env, "body.eventTypeName", et); err != nil {
		return err
	}
	ns, _ := in.body["notifications"].([]any)
	if len(ns) == 0 {
		return invalid("body.notifications", "must be a non-empty array", `give e.g. [{"typeName":"EMAIL","emailAddress":"ops@example.com"}]`)
	}
	for i, x := range ns {
		n, _ := x.(map[string]any)
		if t, _ := n["typeName"].(string); t == "" {
			return invalid(fmt.Sprintf("body.notifications[%d].typeName", i), "is required", "give the kind of target, e.g. EMAIL")
		}
	}
	for _, k := range []string{"id", "groupId", "created", "updated", "links"} {
		if _, ok := in.body[k]; ok {
			return invalid("body."+k, "is set by Atlas", "remove it")
		}
	}
	return nil
}

func (in *CreateAlertConfigInput) facts() Facts { return Facts{ProjectID: in.ProjectID} }

// requestBody builds the GroupAlertsConfig to send, secrets included: the plan
// marks them, and only renderings and records are masked.
func (in *CreateAlertConfigInput) requestBody() any {
	if in.body != nil {
		// The escape hatch is sent as given (canonicalised by the plan).
		return in.Body
	}
	b := map[string]any{"eventTypeName": in.EventTypeName, "enabled": *in.Enabled}
	var ns []any
	raw, _ := json.Marshal(in.Notifications)
	_ = json.Unmarshal(raw, &ns)
	b["notifications"] = ns
	if len(in.Matchers) > 0 {
		b["matchers"] = in.Matchers
	}
	if in.Threshold != nil {
		b["threshold"] = in.Threshold
	}
	if in.MetricThreshold != nil {
		b["metricThreshold"] = in.MetricThreshold
	}
	return b
}

func (in *CreateAlertConfigInput) request() *atlasclient.Request {
	return &atlasclient.Request{Op: atlasclient.CreateGroupAlertConfig, Params: map[string]string{"groupId": in.ProjectID}, Body: in.requestBody()}
}

// AlertConfigOutput is the structured answer about one alert configuration.
type AlertConfigOutput struct {
	AlertConfig AlertConfig `json:"alertConfig"`
}

func createAlertConfig() *Tool {
	return spec[CreateAlertConfigInput, AlertConfigOutput]{
		Name:        "atlas-create-alert-config",
		Title:       "Create alert configuration",
		Description: "Create an alert configuration: an event, who to notify, optional matchers and threshold; or the full Atlas body.",
		Area:        AreaAlerts,
		Op:          atlasclient.CreateGroupAlertConfig,
		Build: func(_ context.Context, _ *Env, in *CreateAlertConfigInput, b *Builder) error {
			if err := b.Send(in.request(), secretNotificationFields...); err != nil {
				return underArgument("body", len(in.Body) > 0, err)
			}
			b.Render(Rendering{
				Title: fmt.Sprintf("Create an alert configuration in project %s.", in.ProjectID),
				Lines: alertConfigLines(b.plan.Requests[len(b.plan.Requests)-1].Body),
			})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *CreateAlertConfigInput, _ *Plan, answers []json.RawMessage) (*Result, error) {
			raw := answers[0]
			c, err := decodeAlertConfig(raw)
			if err != nil {
				return nil, fmt.Errorf("decoding alert configuration: %w", err)
			}
			state := "disabled"
			if c.Enabled {
				state = "enabled"
			}
			return &Result{
				Summary:    fmt.Sprintf("Created alert configuration %s in project %s for event %s (%s), notifying %d target(s).", c.ID, in.ProjectID, c.EventTypeName, state, len(c.Notifications)),
				Data:       alertConfigRows([]AlertConfig{c}),
				Structured: &AlertConfigOutput{AlertConfig: c},
			}, nil
		},
	}.tool()
}
