package tools

import (
	"testing"
)

func TestListAlertsPrepare(t *testing.T) {
	runPrepCases(t, listAlerts(), []prepCase{
		{name: "all", args: `{}`},
		{name: "open", args: `{"status":"OPEN"}`},
		{name: "lower case status", args: `{"status":"open"}`, field: "status"},
		{name: "cancelled is not a filter", args: `{"status":"CANCELLED"}`, field: "status"},
	})
	runPrepCases(t, listAlertConfigs(), []prepCase{
		{name: "all", args: `{}`},
		{name: "bad project", args: `{"projectId":"x"}`, field: "projectId"},
	})
}

func TestCreateAlertConfigPrepare(t *testing.T) {
	const email = `"notifications":[{"typeName":"EMAIL","emailAddress":"ops@example.com","intervalMin":60}]`
	runPrepCases(t, createAlertConfig(), []prepCase{
		{name: "event with email, enabled by default", args: `{"eventTypeName":"NO_PRIMARY",` + email + `}`, check: func(t *testing.T, c *Call) {
			mustContain(t, "plan", planJSON(t, c), `"enabled":true`, `"eventTypeName":"NO_PRIMARY"`, `"emailAddress":"ops@example.com"`)
		}},
		{name: "explicitly disabled", args: `{"eventTypeName":"NO_PRIMARY","enabled":false,` + email + `}`, check: func(t *testing.T, c *Call) {
			mustContain(t, "plan", planJSON(t, c), `"enabled":false`)
		}},
		{name: "metric threshold", args: `{"eventTypeName":"OUTSIDE_METRIC_THRESHOLD",` + email + `,"metricThreshold":{"metricName":"CONNECTIONS","operator":"GREATER_THAN","threshold":500,"units":"RAW"},"matchers":[{"fieldName":"CLUSTER_NAME","operator":"EQUALS","value":"Cluster0"}]}`, check: func(t *testing.T, c *Call) {
			mustContain(t, "plan", planJSON(t, c), `"mode":"AVERAGE"`, `"threshold":500`, `"fieldName":"CLUSTER_NAME"`)
		}},
		{name: "slack token in body is redacted in the plan", args: `{"body":{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"SLACK","channelName":"#ops","apiToken":"xoxb-very-secret"}]}}`, check: func(t *testing.T, c *Call) {
			plan := planJSON(t, c)
			mustContain(t, "plan", plan, `"apiToken":"[REDACTED]"`, `"channelName":"#ops"`)
			mustNotContain(t, "plan", plan, "xoxb-very-secret")
		}},
		{name: "slack by integration", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"SLACK","integrationId":"` + testHexID + `","channelName":"#ops"}]}`},
		{name: "other kinds go in body", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"PAGER_DUTY"}]}`, field: "notifications[0].typeName"},
		{name: "no credential in the flat form", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"SLACK","integrationId":"` + testHexID + `","apiToken":"xoxb"}]}`, field: "notifications[0].apiToken"},
		{name: "group roles", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"GROUP","roles":["GROUP_OWNER"],"emailEnabled":true}]}`},
		{name: "body escape hatch", args: `{"body":{"eventTypeName":"NO_PRIMARY","enabled":true,"notifications":[{"typeName":"WEBHOOK","webhookUrl":"https://hooks.example.com/x","webhookSecret":"shh-secret"}]}}`, check: func(t *testing.T, c *Call) {
			plan := planJSON(t, c)
			mustContain(t, "plan", plan, `"webhookSecret":"[REDACTED]"`)
			mustNotContain(t, "plan", plan, "shh-secret", "hooks.example.com/x")
			// Redacting the plan must not change what is sent.
			p := planOf(t, c)
			mustContain(t, "planned body", string(p.Requests[0].Body), `"webhookSecret":"shh-secret"`, `"webhookUrl":"https://hooks.example.com/x"`)
		}},
		{name: "missing event type", args: `{` + email + `}`, field: "eventTypeName"},
		{name: "bad event type", args: `{"eventTypeName":"no primary",` + email + `}`, field: "eventTypeName"},
		{name: "no notifications", args: `{"eventTypeName":"NO_PRIMARY"}`, field: "notifications"},
		{name: "notification without type", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"emailAddress":"a@b.c"}]}`, field: "notifications[0].typeName"},
		{name: "unknown notification type", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"PIGEON"}]}`, field: "notifications[0].typeName"},
		{name: "email without address", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"EMAIL"}]}`, field: "notifications[0].emailAddress"},
		{name: "bad email", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"EMAIL","emailAddress":"Ops <ops@example.com>"}]}`, field: "notifications[0].emailAddress"},
		{name: "field of another type", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"EMAIL","emailAddress":"a@b.c","channelName":"#x"}]}`, field: "notifications[0].channelName"},
		{name: "interval too short", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"EMAIL","emailAddress":"a@b.c","intervalMin":1}]}`, field: "notifications[0].intervalMin"},
		{name: "negative delay", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"EMAIL","emailAddress":"a@b.c","delayMin":-5}]}`, field: "notifications[0].delayMin"},
		{name: "slack without integration", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"SLACK","channelName":"#x"}]}`, field: "notifications[0].integrationId"},
		{name: "bad integration id", args: `{"eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"SLACK","integrationId":"x"}]}`, field: "notifications[0].integrationId"},
		{name: "metric event without metric threshold", args: `{"eventTypeName":"OUTSIDE_METRIC_THRESHOLD",` + email + `}`, field: "metricThreshold"},
		{name: "bad matcher operator", args: `{"eventTypeName":"NO_PRIMARY",` + email + `,"matchers":[{"fieldName":"CLUSTER_NAME","operator":"LIKE","value":"x"}]}`, field: "matchers[0].operator"},
		{name: "threshold without value", args: `{"eventTypeName":"REPLICATION_OPLOG_WINDOW_RUNNING_OUT",` + email + `,"threshold":{"operator":"LESS_THAN"}}`, field: "threshold.threshold"},
		{name: "both thresholds", args: `{"eventTypeName":"OUTSIDE_METRIC_THRESHOLD",` + email + `,"threshold":{"operator":"LESS_THAN","threshold":1},"metricThreshold":{"metricName":"CONNECTIONS","operator":"GREATER_THAN","threshold":1}}`, field: "threshold"},
		{name: "body with flat", args: `{"eventTypeName":"NO_PRIMARY","body":{"eventTypeName":"NO_PRIMARY"}}`, field: "body"},
		{name: "body without notifications", args: `{"body":{"eventTypeName":"NO_PRIMARY"}}`, field: "body.notifications"},
		{name: "body not an object", args: `{"body":[1]}`, field: "body"},
		{name: "body with id", args: `{"body":{"id":"` + testHexID + `","eventTypeName":"NO_PRIMARY","notifications":[{"typeName":"GROUP"}]}}`, field: "body.id"},
		{name: "payment alert allowed commercially", args: `{"eventTypeName":"CREDIT_CARD_ABOUT_TO_EXPIRE",` + email + `}`},
		{name: "payment alert refused in gov", args: `{"eventTypeName":"CREDIT_CARD_ABOUT_TO_EXPIRE",` + email + `}`, gov: true, govRule: true, field: "eventTypeName"},
		{name: "payment alert refused in gov body", args: `{"body":{"eventTypeName":"CREDIT_CARD_ABOUT_TO_EXPIRE",` + email + `}}`, gov: true, govRule: true, field: "body.eventTypeName"},
	})
}

func TestAlertToolsAgainstSim(t *testing.T) {
	env, sim := simEnv(t, false)

	r := mustRun(t, env, listAlerts(), `{}`)
	alerts := structured[*ListOutput[Alert]](t, r)
	if alerts.TotalCount != 2 {
		t.Fatalf("alerts = %+v", alerts)
	}
	// Alert text is Atlas's: it belongs in Data, not in our summary.
	mustContain(t, "data", r.Data, "NO_PRIMARY", "OPEN", "prod-analytics/atlas-prod-analytics-shard-0", "CLOSED", "staging")
	mustNotContain(t, "summary", r.Summary, "NO_PRIMARY", "prod-analytics")

	r = mustRun(t, env, listAlerts(), `{"status":"OPEN"}`)
	open := structured[*ListOutput[Alert]](t, r)
	if open.TotalCount != 1 || open.Results[0].Status != "OPEN" {
		t.Errorf("OPEN alerts = %+v", open)
	}
	if !sentQuery(sim, "/alerts", "status=OPEN") {
		t.Error("status filter not sent")
	}
	mustContain(t, "summary", r.Summary, "OPEN alerts")

	r = mustRun(t, env, listAlertConfigs(), `{}`)
	cfgs := structured[*ListOutput[AlertConfig]](t, r)
	if cfgs.TotalCount == 0 {
		t.Fatalf("configs = %+v", cfgs)
	}
	mustContain(t, "data", r.Data, "NO_PRIMARY", "GROUP:GROUP_OWNER", "EMAIL:oncall@example.com")

	r = mustRun(t, env, createAlertConfig(), `{"eventTypeName":"OUTSIDE_METRIC_THRESHOLD","metricThreshold":{"metricName":"CONNECTIONS","operator":"GREATER_THAN","threshold":500,"units":"RAW"},"notifications":[{"typeName":"EMAIL","emailAddress":"dba@example.com","intervalMin":30,"delayMin":5}],"matchers":[{"fieldName":"CLUSTER_NAME","operator":"EQUALS","value":"prod-analytics"}]}`)
	made := structured[*AlertConfigOutput](t, r).AlertConfig
	if made.ID == "" || !made.Enabled || made.Condition != "CONNECTIONS GREATER_THAN 500 RAW" || len(made.Notifications) != 1 {
		t.Errorf("created config = %+v", made)
	}
	mustContain(t, "summary", r.Summary, made.ID, "enabled")

	r = mustRun(t, env, createAlertConfig(), `{"body":{"eventTypeName":"NO_PRIMARY","enabled":false,"notifications":[{"typeName":"GROUP","roles":["GROUP_OWNER"],"emailEnabled":true,"intervalMin":60}]}}`)
	if c := structured[*AlertConfigOutput](t, r).AlertConfig; c.Enabled || c.EventTypeName != "NO_PRIMARY" {
		t.Errorf("body-created config = %+v", c)
	}
	if n := structured[*ListOutput[AlertConfig]](t, mustRun(t, env, listAlertConfigs(), `{}`)).TotalCount; n != cfgs.TotalCount+2 {
		t.Errorf("after two creates: %d configs, want %d", n, cfgs.TotalCount+2)
	}
}
