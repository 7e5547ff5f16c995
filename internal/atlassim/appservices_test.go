package atlassim

import (
	"encoding/json"
	"testing"
	"time"
)

const asPrefix = "/api/admin/v3.0"

func asLogin(t *testing.T, h *harness, user, key string) map[string]any {
	t.Helper()
	r := h.must(200, "POST", asPrefix+"/auth/providers/mongodb-cloud/login",
		map[string]any{"username": user, "apiKey": key}, withAccept("application/json"), noAuth())
	m := r.json(t)
	for _, k := range []string{"access_token", "refresh_token", "user_id", "device_id"} {
		if s, _ := m[k].(string); s == "" {
			t.Fatalf("login answer lacks %s: %s", k, r.raw)
		}
	}
	return m
}

func asArray(t *testing.T, r resp) []map[string]any {
	t.Helper()
	var out []map[string]any
	if err := json.Unmarshal(r.raw, &out); err != nil {
		t.Fatalf("not a JSON array: %v: %s", err, r.raw)
	}
	return out
}

func TestAppServicesReads(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	if r := h.must(401, "POST", asPrefix+"/auth/providers/mongodb-cloud/login",
		map[string]any{"username": DemoPublicKey, "apiKey": "wrong"}, noAuth()); r.json(t)["error_code"] != "InvalidPassword" {
		t.Fatalf("bad login: %s", r.raw)
	}
	tok := asLogin(t, h, DemoPublicKey, DemoPrivateKey)["access_token"].(string)
	auth := withAuth("Bearer " + tok)
	if n := h.sim.AppServicesLogins(); n != 1 {
		t.Fatalf("AppServicesLogins %d", n)
	}

	apps := asArray(t, h.must(200, "GET", asPrefix+"/groups/"+DemoProjectID+"/apps", nil, auth))
	if len(apps) != 1 {
		t.Fatalf("%d apps", len(apps))
	}
	for _, k := range []string{"_id", "group_id", "domain_id", "client_app_id", "name", "location", "deployment_model",
		"last_used", "last_modified", "product", "environment"} {
		if _, has := apps[0][k]; !has {
			t.Errorf("app lacks %s", k)
		}
	}
	if apps[0]["_id"] != DemoAppID || apps[0]["group_id"] != DemoProjectID {
		t.Errorf("app %v", apps[0])
	}
	if n := len(asArray(t, h.must(200, "GET", asPrefix+"/groups/"+DemoProject2ID+"/apps", nil, auth))); n != 0 {
		t.Errorf("empty project lists %d apps", n)
	}
	h.must(200, "GET", asPrefix+"/groups/"+DemoProjectID+"/apps/"+DemoAppID, nil, auth)

	triggers := asArray(t, h.must(200, "GET", asPrefix+"/groups/"+DemoProjectID+"/apps/"+DemoAppID+"/triggers", nil, auth))
	types := map[string]bool{}
	for _, tr := range triggers {
		types[tr["type"].(string)] = true
		for _, k := range []string{"_id", "name", "type", "disabled", "config", "function_id", "function_name", "last_modified"} {
			if _, has := tr[k]; !has {
				t.Errorf("trigger lacks %s", k)
			}
		}
	}
	if len(triggers) != 2 || !types["DATABASE"] || !types["SCHEDULED"] {
		t.Fatalf("triggers %v", triggers)
	}
	one := h.must(200, "GET", asPrefix+"/groups/"+DemoProjectID+"/apps/"+DemoAppID+"/triggers/"+DemoTriggerScheduledID, nil, auth).json(t)
	if one["config"].(map[string]any)["schedule"] == nil {
		t.Errorf("scheduled trigger config %v", one["config"])
	}

	for path, code := range map[string]string{
		"/groups/" + DemoProjectID + "/apps/" + DemoProject2ID:                       "AppNotFound",
		"/groups/" + DemoProjectID + "/apps/" + DemoAppID + "/triggers/" + DemoAppID: "TriggerNotFound",
		"/groups/" + "6650a0c0f0a1b2c3d4e5ffff" + "/apps":                            "GroupNotFound",
	} {
		if r := h.must(404, "GET", asPrefix+path, nil, auth); r.json(t)["error_code"] != code {
			t.Errorf("%s: %s, want %s", path, r.raw, code)
		}
	}
	// An Admin API token is not an App Services session.
	if r := h.must(401, "GET", asPrefix+"/groups/"+DemoProjectID+"/apps", nil); r.json(t)["error_code"] != "InvalidSession" {
		t.Errorf("service-account token on App Services: %s", r.raw)
	}
	if r := h.must(401, "GET", asPrefix+"/groups/"+DemoProjectID+"/apps", nil, noAuth()); r.json(t)["error_code"] != "InvalidSession" {
		t.Errorf("no token: %s", r.raw)
	}
	for _, lr := range h.sim.Requests() {
		if lr.Path == asPrefix+"/groups/"+DemoProjectID+"/apps" && lr.Status == 200 && lr.Auth != "appservices" {
			t.Errorf("App Services call logged with auth %q", lr.Auth)
		}
	}
}

func TestAppServicesSessions(t *testing.T) {
	h := newHarness(t, Options{Seed: true, AppServicesTokenTTL: 10 * time.Minute})
	apps := asPrefix + "/groups/" + DemoProjectID + "/apps"
	login := asLogin(t, h, DemoPublicKey, DemoPrivateKey)
	access, refresh := login["access_token"].(string), login["refresh_token"].(string)

	refreshNow := func() (int, string) {
		r := h.do("POST", asPrefix+"/auth/session", nil, withAuth("Bearer "+refresh))
		if r.status != 201 {
			return r.status, ""
		}
		tok, _ := r.json(t)["access_token"].(string)
		return r.status, tok
	}
	expired := func(tok string) {
		t.Helper()
		r := h.must(401, "GET", apps, nil, withAuth("Bearer "+tok))
		m := r.json(t)
		if m["error"] != "invalid session: access token expired" || m["error_code"] != "InvalidSession" {
			t.Fatalf("expired token answer %s", r.raw)
		}
	}

	h.must(200, "GET", apps, nil, withAuth("Bearer "+access))
	h.clock.Advance(10 * time.Minute)
	expired(access)

	status, access2 := refreshNow()
	if status != 201 || access2 == "" {
		t.Fatalf("refresh: %d", status)
	}
	h.must(200, "GET", apps, nil, withAuth("Bearer "+access2))
	if n := h.sim.AppServicesRefreshes(); n != 1 {
		t.Fatalf("AppServicesRefreshes %d", n)
	}

	h.sim.ExpireAppServicesAccessTokens()
	expired(access2)
	_, access3 := refreshNow()
	h.must(200, "GET", apps, nil, withAuth("Bearer "+access3))

	// An access token is not a refresh token.
	if r := h.do("POST", asPrefix+"/auth/session", nil, withAuth("Bearer "+access3)); r.status != 401 {
		t.Fatalf("refresh with an access token: %d", r.status)
	}

	h.sim.RevokeAppServicesRefreshTokens()
	if status, _ := refreshNow(); status != 401 {
		t.Fatalf("refresh after revocation: %d", status)
	}
	// Logging in again is the way back; logout revokes that refresh token.
	again := asLogin(t, h, DemoPublicKey, DemoPrivateKey)
	refresh = again["refresh_token"].(string)
	if status, _ := refreshNow(); status != 201 {
		t.Fatalf("refresh after a new login: %d", status)
	}
	h.must(204, "DELETE", asPrefix+"/auth/session", nil, withAuth("Bearer "+refresh))
	if status, _ := refreshNow(); status != 401 {
		t.Fatalf("refresh after logout: %d", status)
	}
	if n := h.sim.AppServicesLogins(); n != 2 {
		t.Fatalf("AppServicesLogins %d", n)
	}
	// The read-only org key may log in and read.
	ro := asLogin(t, h, DemoReadOnlyPublicKey, DemoReadOnlyPrivateKey)["access_token"].(string)
	h.must(200, "GET", apps, nil, withAuth("Bearer "+ro))
}
