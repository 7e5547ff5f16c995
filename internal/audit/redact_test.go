package audit

import (
	"bytes"
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"
)

type roleInput struct {
	RoleName     string `json:"roleName"`
	DatabaseName string `json:"databaseName"`
}

type Embedded struct {
	APIKey string `json:"apiKey"`
	Region string `json:"regionName"`
}

// maskedString stands for tools.Secret, which this package cannot import: a
// type that marshals itself masked, the way a tool declares which of its
// input fields is a credential.
type maskedString string

func (s maskedString) MarshalJSON() ([]byte, error) {
	if s == "" {
		return []byte(`""`), nil
	}
	return []byte(`"` + Redacted + `"`), nil
}

type createUserInput struct {
	Embedded
	ProjectID   string            `json:"projectId"`
	Username    string            `json:"username"`
	Password    string            `json:"password"`
	Roles       []roleInput       `json:"roles,omitempty"`
	Custom      maskedString      `json:"ldapBind"`
	Labels      map[string]string `json:"labels,omitempty"`
	Nested      *nestedInput      `json:"nested,omitempty"`
	Body        json.RawMessage   `json:"body,omitempty"`
	Free        any               `json:"free,omitempty"`
	Ignored     string            `json:"-"`
	Empty       maskedString      `json:"emptyPassword,omitempty"`
	NotSet      string            `json:"clientSecret"`
	ConnStrings []string          `json:"connStrings"`
	unexported  string
}

type nestedInput struct {
	AccessToken  string                       `json:"accessToken"`
	RefreshToken string                       `json:"RefreshToken"`
	Items        []map[string]any             `json:"items"`
	Deep         map[string]map[string]string `json:"deep"`
}

func TestRedactRemovesEverySecret(t *testing.T) {
	const configured = "conf1gured-S3cret"
	in := createUserInput{
		Embedded:  Embedded{APIKey: "embedded-api-key-value", Region: "US_EAST_1"},
		ProjectID: "5f1a2b3c4d5e6f7a8b9c0d1e",
		Username:  "alice",
		Password:  "plain-password-1",
		Roles:     []roleInput{{RoleName: "readWrite", DatabaseName: "app"}},
		Custom:    "tagged-secret-2",
		Labels:    map[string]string{"secret": "label-secret-3", "team": "data", "note": "see " + configured},
		Nested: &nestedInput{
			AccessToken:  "access-token-4",
			RefreshToken: "refresh-token-5",
			Items: []map[string]any{
				{"token": "item-token-6", "name": "ok"},
				{"uri": "mongodb+srv://bob:srv-pass-7@cluster0.abcde.mongodb.net/?retryWrites=true"},
			},
			Deep: map[string]map[string]string{"x": {"privateKey": "deep-private-8"}},
		},
		Body:        json.RawMessage(`{"password":"body-pass-9","list":[{"clientSecret":"body-secret-10"}],"note":"` + configured + `"}`),
		Free:        map[string]any{"Password": "free-pass-11", "n": 1},
		Ignored:     "ignored-12",
		unexported:  "unexported-13",
		ConnStrings: []string{"mongodb://carol:plain-pass-14@host1:27017,host2:27017/admin", "mongodb://dave@host"},
	}
	secrets := []string{"embedded-api-key-value", "plain-password-1", "tagged-secret-2", "label-secret-3",
		configured, "access-token-4", "refresh-token-5", "item-token-6", "srv-pass-7", "deep-private-8",
		"body-pass-9", "body-secret-10", "free-pass-11", "ignored-12", "unexported-13", "plain-pass-14"}

	out, err := json.Marshal(Redact(in, []string{configured}))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range secrets {
		if bytes.Contains(out, []byte(s)) {
			t.Errorf("secret %q survived: %s", s, out)
		}
	}
	for _, keep := range []string{`"username":"alice"`, `"projectId":"5f1a2b3c4d5e6f7a8b9c0d1e"`,
		`"regionName":"US_EAST_1"`, `"roleName":"readWrite"`, `"team":"data"`, `"name":"ok"`,
		`mongodb+srv://bob:[REDACTED]@cluster0.abcde.mongodb.net/?retryWrites=true`,
		`mongodb://carol:[REDACTED]@host1:27017,host2:27017/admin`, `mongodb://dave@host`,
		`"clientSecret":""`, `"note":"see [REDACTED]"`, `"ldapBind":"[REDACTED]"`} {
		if !bytes.Contains(out, []byte(keep)) {
			t.Errorf("missing %s in %s", keep, out)
		}
	}
	if bytes.Contains(out, []byte("emptyPassword")) {
		t.Errorf("omitempty ignored: %s", out)
	}
}

// Without secrets, Redact has the shape encoding/json gives the same value,
// so audited arguments look like the tool's schema.
func TestRedactMatchesEncodingJSONShape(t *testing.T) {
	type Inner struct {
		A int `json:"a"`
	}
	type Shadow struct {
		Name string `json:"name"`
	}
	type value struct {
		Inner
		*Shadow
		Name    string            `json:"name"` // shadows Shadow.Name
		When    time.Time         `json:"when"`
		Count   int64             `json:"count,string"`
		Opt     *int              `json:"opt,omitempty"`
		Zero    time.Time         `json:"zero,omitzero"`
		Bytes   []byte            `json:"bytes"`
		Keys    map[int]string    `json:"keys"`
		Arr     [2]bool           `json:"arr"`
		NilMap  map[string]string `json:"nilMap"`
		Number  json.Number       `json:"number"`
		Big     uint64            `json:"big"`
		Ptr     **string          `json:"ptr"`
		Iface   any               `json:"iface"`
		NoTag   float64
		URL     *url.URL `json:"url"`
		private int      //nolint:unused // the redactor must skip unexported fields
	}
	s := "pointed"
	ps := &s
	v := value{
		Inner: Inner{A: 1}, Shadow: &Shadow{Name: "hidden"}, Name: "shown",
		When: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Count: 42,
		Bytes: []byte("hi"), Keys: map[int]string{2: "b", 1: "a"}, Arr: [2]bool{true, false},
		Number: "12345678901234567890", Big: 1<<64 - 1, Ptr: &ps, Iface: []any{1.5, "x", nil},
		NoTag: 2.5, URL: &url.URL{Scheme: "https", Host: "example.com"},
	}
	want, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(Redact(v, nil))
	if err != nil {
		t.Fatal(err)
	}
	var w, g any
	json.Unmarshal(want, &w)
	json.Unmarshal(got, &g)
	wj, _ := json.Marshal(w)
	gj, _ := json.Marshal(g)
	if !bytes.Equal(wj, gj) {
		t.Errorf("shape differs from encoding/json:\n got %s\nwant %s", gj, wj)
	}
	if !bytes.Contains(got, []byte("12345678901234567890")) || !bytes.Contains(got, []byte("18446744073709551615")) {
		t.Errorf("large numbers lost precision: %s", got)
	}
}

func TestRedactIsIdempotent(t *testing.T) {
	in := map[string]any{"password": "p4ssword!", "uri": "mongodb://u:p4ssword!@h", "list": []any{"x p4ssword! y"}}
	once, _ := json.Marshal(Redact(in, []string{"p4ssword!"}))
	var decoded any
	json.Unmarshal(once, &decoded)
	twice, _ := json.Marshal(Redact(decoded, []string{"p4ssword!"}))
	if !bytes.Equal(once, twice) {
		t.Fatalf("second pass changed the value:\n%s\n%s", once, twice)
	}
	if bytes.Contains(once, []byte("p4ssword!")) {
		t.Fatalf("leak: %s", once)
	}
}

func TestConfiguredSecrets(t *testing.T) {
	cases := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"plain", []string{"abcdef123"}, "key=abcdef123;", "key=[REDACTED];"},
		{"too short to search", []string{"abc12"}, "abc12", "abc12"},
		{"empty secret", []string{""}, "anything", "anything"},
		{"url-escaped", []string{"p@ss/w:rd"}, "pw=" + url.QueryEscape("p@ss/w:rd"), "pw=[REDACTED]"},
		{"longest first", []string{"secret-a", "secret-a-longer"}, "secret-a-longer", "[REDACTED]"},
		{"several", []string{"first-1", "second-2"}, "first-1 and second-2", "[REDACTED] and [REDACTED]"},
		{"part of the mask is ignored", []string{"REDACTED"}, "[REDACTED]", "[REDACTED]"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Redact(c.in, c.secrets); got != c.want {
				t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
			}
		})
	}
}

func TestMaskURLCredentials(t *testing.T) {
	cases := []struct{ in, want string }{
		{"mongodb://user:pass@host", "mongodb://user:[REDACTED]@host"},
		{"mongodb+srv://user:pass@c0.x.mongodb.net/db?w=majority", "mongodb+srv://user:[REDACTED]@c0.x.mongodb.net/db?w=majority"},
		{"MONGODB://User:Pass@host", "MONGODB://User:[REDACTED]@host"},
		{"mongodb://user:p@ss@host", "mongodb://user:[REDACTED]@host"},
		{"mongodb://user:@host", "mongodb://user:[REDACTED]@host"},
		{"mongodb://user@host", "mongodb://user@host"},
		{"mongodb://host:27017/db?x=a@b", "mongodb://host:27017/db?x=a@b"},
		{"a mongodb://u:p1@h and mongodb://v:p2@k.", "a mongodb://u:[REDACTED]@h and mongodb://v:[REDACTED]@k."},
		{`"uri":"mongodb://u:p@h"`, `"uri":"mongodb://u:[REDACTED]@h"`},
		{"https://u:token@api.example.com/x", "https://u:[REDACTED]@api.example.com/x"},
		{"no url here: a@b:c", "no url here: a@b:c"},
		{"://:x@", "://:[REDACTED]@"},
	}
	for _, c := range cases {
		if got := maskURLCredentials(c.in); got != c.want {
			t.Errorf("mask(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestIsSecretName(t *testing.T) {
	for _, n := range []string{"password", "PASSWORD", "privateKey", "clientSecret", "apiKey", "token",
		"accessToken", "refreshToken", "secret", "bindPassword", "secretAccessKey", "privateApiKey", "Authorization"} {
		if !isSecretName(n) {
			t.Errorf("%s not treated as secret", n)
		}
	}
	for _, n := range []string{"username", "apiKeyId", "publicKey", "tokenType", "secretName", "projectId", "passwordChangedAt"} {
		if isSecretName(n) {
			t.Errorf("%s treated as secret", n)
		}
	}
}

func TestRedactJSON(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"object", `{"b":1,"password":"x1","a":[{"Token":"t"},{"uri":"mongodb://u:p@h"}]}`,
			`{"a":[{"Token":"[REDACTED]"},{"uri":"mongodb://u:[REDACTED]@h"}],"b":1,"password":"[REDACTED]"}`},
		{"big number", `{"n":123456789012345678901234567890}`, `{"n":123456789012345678901234567890}`},
		{"configured secret", `["has verysecret1 inside"]`, `["has [REDACTED] inside"]`},
		{"not JSON", `password=hunter2 mongodb://u:p@h verysecret1`, `"password=hunter2 mongodb://u:[REDACTED]@h [REDACTED]"`},
		{"trailing data", `{} {}`, `"{} {}"`},
		{"empty", "  ", `null`},
		{"html stays readable", `{"q":"a<b&c"}`, `{"q":"a<b&c"}`},
		{"empty secret value kept", `{"password":""}`, `{"password":""}`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := RedactJSON([]byte(c.in), []string{"verysecret1"})
			if string(got) != c.want {
				t.Errorf("RedactJSON(%s) = %s, want %s", c.in, got, c.want)
			}
			if !json.Valid(got) {
				t.Errorf("not valid JSON: %s", got)
			}
		})
	}
}

type selfMarshaling struct{ v string }

func (s selfMarshaling) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]string{"password": s.v, "note": s.v})
}

type textKey struct{ s string }

func (k textKey) MarshalText() ([]byte, error) { return []byte("k-" + k.s), nil }

func TestRedactMarshalers(t *testing.T) {
	v := map[string]any{
		"custom": selfMarshaling{v: "marshaled-secret"},
		"keys":   map[textKey]int{{s: "a"}: 1},
	}
	out, _ := json.Marshal(Redact(v, []string{"marshaled-secret"}))
	if strings.Contains(string(out), "marshaled-secret") {
		t.Fatalf("a MarshalJSON output leaked: %s", out)
	}
	if !strings.Contains(string(out), `"k-a":1`) {
		t.Fatalf("TextMarshaler map key not rendered: %s", out)
	}
}

func TestRedactCycleTerminates(t *testing.T) {
	type node struct {
		Next *node `json:"next"`
	}
	n := &node{}
	n.Next = n
	if _, err := json.Marshal(Redact(n, nil)); err != nil {
		t.Fatal(err)
	}
}
