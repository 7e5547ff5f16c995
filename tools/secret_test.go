package tools

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/atlas-mcp/atlas-mcp/internal/atlassim"
)

const secretValue = "Corr3ct-horse-battery"

type secretLeaf struct {
	Password Secret `json:"password"`
	Note     string `json:"note"`
}

type SecretEmbedded struct {
	Inner Secret `json:"inner"`
}

type secretHolder struct {
	SecretEmbedded
	Top      Secret            `json:"top"`
	Ptr      *Secret           `json:"ptr"`
	Leaf     *secretLeaf       `json:"leaf"`
	List     []Secret          `json:"list"`
	Leaves   []secretLeaf      `json:"leaves"`
	Map      map[string]Secret `json:"map"`
	Any      any               `json:"any"`
	AnyMap   map[string]any    `json:"anyMap"`
	Empty    Secret            `json:"empty"`
	Omitted  Secret            `json:"omitted,omitempty"`
	Username string            `json:"username"`
}

func newSecretHolder() *secretHolder {
	s := Secret(secretValue)
	return &secretHolder{
		SecretEmbedded: SecretEmbedded{Inner: s},
		Top:            s,
		Ptr:            &s,
		Leaf:           &secretLeaf{Password: s, Note: "leaf"},
		List:           []Secret{s, s},
		Leaves:         []secretLeaf{{Password: s}},
		Map:            map[string]Secret{"k": s},
		Any:            s,
		AnyMap:         map[string]any{"nested": map[string]any{"v": s}, "ptr": &s},
		Username:       "alice",
	}
}

// A Secret is masked wherever encoding/json meets it: the audit log records
// a call's input as encoding/json encodes it, and relies on this alone for
// fields whose name says nothing (top, inner, list, map).
func TestSecretMarshalsMaskedAtAnyDepth(t *testing.T) {
	out, err := json.Marshal(newSecretHolder())
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(out, []byte(secretValue)) {
		t.Fatalf("the secret survived encoding/json: %s", out)
	}
	want := `{"inner":"[REDACTED]","top":"[REDACTED]","ptr":"[REDACTED]","leaf":{"password":"[REDACTED]","note":"leaf"},` +
		`"list":["[REDACTED]","[REDACTED]"],"leaves":[{"password":"[REDACTED]","note":""}],"map":{"k":"[REDACTED]"},` +
		`"any":"[REDACTED]","anyMap":{"nested":{"v":"[REDACTED]"},"ptr":"[REDACTED]"},"empty":"","username":"alice"}`
	if string(out) != want {
		t.Errorf("encoding/json gave\n%s\nwant\n%s", out, want)
	}
	// An empty secret says none was given; omitempty still applies.
	if b, _ := json.Marshal(Secret("")); string(b) != `""` {
		t.Errorf("empty secret = %s", b)
	}
}

// fmt prints the underlying string for %x, %q and %#v unless the type
// formats itself: every verb and flag must show the mask.
func TestSecretNeverPrints(t *testing.T) {
	h := newSecretHolder()
	s := Secret(secretValue)
	var texts []string
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "% x", "%10s", "%-30v", "%.3s", "%T", "%d"} {
		texts = append(texts, fmt.Sprintf(f, s), fmt.Sprintf(f, &s), fmt.Sprintf(f, h.Leaf), fmt.Sprintf(f, *h.Leaf),
			fmt.Sprintf(f, []Secret{s}), fmt.Sprintf(f, h.Map), fmt.Sprintf(f, h.SecretEmbedded))
	}
	// Nested pointers, interfaces and embedded structs, with the verbs that
	// suit a struct (see Secret for the wrong-verb case).
	for _, f := range []string{"%v", "%+v", "%#v"} {
		texts = append(texts, fmt.Sprintf(f, h), fmt.Sprintf(f, *h), fmt.Sprintf(f, []any{h}), fmt.Sprintf(f, map[string]any{"in": h}))
	}
	texts = append(texts, fmt.Sprint(s, h), fmt.Sprintln(s, *h), s.String(), s.GoString(),
		fmt.Errorf("creating user: %v", h).Error(), errors.New(fmt.Sprint(h.Map)).Error())
	hexValue := hex.EncodeToString([]byte(secretValue))
	for _, text := range texts {
		if strings.Contains(text, secretValue) || strings.Contains(strings.ToLower(text), hexValue) {
			t.Errorf("the secret is printed: %s", text)
		}
	}
	for f, want := range map[string]string{
		"%v": "[REDACTED]", "%s": "[REDACTED]", "%q": `"[REDACTED]"`, "%#v": `tools.Secret("[REDACTED]")`,
		"%12s": "  [REDACTED]", "%T": "tools.Secret",
	} {
		if got := fmt.Sprintf(f, s); got != want {
			t.Errorf("Sprintf(%q) = %s, want %s", f, got, want)
		}
	}
	if got := fmt.Sprintf("%+v", h.Leaf); got != "&{Password:[REDACTED] Note:leaf}" {
		t.Errorf("%%+v of a struct = %s", got)
	}
	if got := fmt.Sprintf("%v|%q", Secret(""), Secret("")); got != `|""` {
		t.Errorf("an empty secret prints as %s", got)
	}
	if s.Reveal() != secretValue {
		t.Errorf("Reveal = %q", s.Reveal())
	}
}

// zap reaches a value through Stringer, through encoding/json (Reflect) or
// through fmt: none of them shows the secret, with either encoder.
func TestSecretNeverReachesZap(t *testing.T) {
	h := newSecretHolder()
	s := Secret(secretValue)
	for name, enc := range map[string]zapcore.Encoder{
		"json":    zapcore.NewJSONEncoder(zap.NewProductionEncoderConfig()),
		"console": zapcore.NewConsoleEncoder(zap.NewDevelopmentEncoderConfig()),
	} {
		var buf bytes.Buffer
		log := zap.New(zapcore.NewCore(enc, zapcore.AddSync(&buf), zap.DebugLevel))
		log.Info("call", zap.Any("input", h), zap.Any("value", *h), zap.Any("secret", s), zap.Stringer("stringer", s),
			zap.Reflect("reflect", h), zap.Any("list", h.List), zap.Any("map", h.Map), zap.Any("leaf", h.Leaf))
		log.Sugar().Infow("sugared", "input", h, "secret", s)
		log.Sugar().Infof("formatted %v %+v %s", h, h, s)
		_ = log.Sync()
		if strings.Contains(buf.String(), secretValue) {
			t.Errorf("%s: the secret reached the log: %s", name, buf.String())
		}
		if !strings.Contains(buf.String(), "[REDACTED]") || !strings.Contains(buf.String(), "alice") {
			t.Errorf("%s: the log lost what it should show: %s", name, buf.String())
		}
	}
}

func TestSecretDecodesFromAPlainString(t *testing.T) {
	var in struct {
		Password Secret  `json:"password"`
		Ptr      *Secret `json:"ptr"`
	}
	if err := json.Unmarshal([]byte(`{"password":"p\u0040ss \"w\"","ptr":"x"}`), &in); err != nil {
		t.Fatal(err)
	}
	if in.Password.Reveal() != `p@ss "w"` || in.Ptr == nil || in.Ptr.Reveal() != "x" {
		t.Errorf("decoded %q, %v", in.Password.Reveal(), in.Ptr)
	}
	if err := json.Unmarshal([]byte(`{"password":12345678}`), &in); err == nil {
		t.Error("a number was taken as a secret")
	}
}

// No input field is left holding a credential as a plain string: every
// member named like one (isSecretMember), at any depth, is a Secret, so the
// audit log masks it by its type, not by the luck of its name; and no field
// still carries the secret:"true" tag nothing reads any more.
// confirmationToken is the exception: the server issues it and checks it
// against the plan, and the audit log masks it by its name.
func TestCredentialInputsAreSecrets(t *testing.T) {
	secretType := reflect.TypeFor[Secret]()
	for _, tool := range All() {
		seen := map[reflect.Type]bool{}
		var walk func(typ reflect.Type, path string)
		walk = func(typ reflect.Type, path string) {
			for typ.Kind() == reflect.Pointer || typ.Kind() == reflect.Slice || typ.Kind() == reflect.Array || typ.Kind() == reflect.Map {
				typ = typ.Elem()
			}
			if typ.Kind() != reflect.Struct || seen[typ] {
				return
			}
			seen[typ] = true
			for i := range typ.NumField() {
				f := typ.Field(i)
				if _, tagged := f.Tag.Lookup("secret"); tagged {
					t.Errorf("%s: %s%s has a secret tag; type it tools.Secret instead", tool.Name, path, f.Name)
				}
				name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
				if f.Anonymous && name == "" {
					walk(f.Type, path)
					continue
				}
				if !f.IsExported() || name == "-" {
					continue
				}
				if name == "" {
					name = f.Name
				}
				if isSecretMember(name) && name != "confirmationToken" && f.Type != secretType && f.Type != reflect.PointerTo(secretType) {
					t.Errorf("%s: input %s%s is a %s, want tools.Secret", tool.Name, path, name, f.Type)
				}
				walk(f.Type, path+name+".")
			}
		}
		walk(tool.InputType, "")
	}
}

// The simulator receives the real password: Reveal is called where the body
// is built, so Atlas is not handed the mask. The plan's hash commits to the
// real value (an HMAC of it under the plan key), and what people and the log
// see of the plan masks it.
func TestCreateDBUserSendsTheRealPassword(t *testing.T) {
	env, sim := simEnv(t, false)
	args := func(pw string) string {
		return `{"username":"wire-secret","password":"` + pw + `","roles":[{"roleName":"read","databaseName":"sales"}]}`
	}
	c, err := createDBUser().Decode(json.RawMessage(args(secretValue)), env)
	if err != nil {
		t.Fatal(err)
	}
	p := planOf(t, c)
	if len(p.Requests) != 1 {
		t.Fatalf("%d requests", len(p.Requests))
	}
	r := p.Requests[0]
	mustContain(t, "planned body", string(r.Body), `"password":"`+secretValue+`"`)
	mustNotContain(t, "plan as shown", planJSON(t, c), secretValue)
	mustContain(t, "plan as shown", planJSON(t, c), `"password":"[REDACTED]"`)

	// The hash's commitment is to the real value, not to the mask.
	committed, err := commitSecrets(r.Body, r.secretFields, p.hashKey)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, p.hashKey)
	m.Write([]byte(`"` + secretValue + `"`))
	mustContain(t, "committed body", string(committed), `"password":"hmac-sha256:`+hex.EncodeToString(m.Sum(nil))+`"`)
	mustNotContain(t, "committed body", string(committed), secretValue)
	h1, _ := p.Hash()
	c2, err := createDBUser().Decode(json.RawMessage(args(secretValue+"-other")), env)
	if err != nil {
		t.Fatal(err)
	}
	if h2, _ := planOf(t, c2).Hash(); h1 == h2 {
		t.Error("another password makes the same plan hash")
	}

	sim.ResetRequests()
	if _, err := c.Execute(t.Context(), p); err != nil {
		t.Fatal(err)
	}
	var body []byte
	for _, lr := range apiRequests(sim) {
		if lr.Method == "POST" && strings.HasSuffix(lr.Path, "/groups/"+atlassim.DemoProjectID+"/databaseUsers") {
			body = lr.Body
		}
	}
	if body == nil {
		t.Fatal("no POST reached the simulator")
	}
	var sentBody map[string]any
	if err := json.Unmarshal(body, &sentBody); err != nil {
		t.Fatal(err)
	}
	if sentBody["password"] != secretValue {
		t.Errorf("Atlas was sent password %v, want the real one", sentBody["password"])
	}
}
