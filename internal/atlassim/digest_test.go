package atlassim

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/icholy/digest"
)

var challengeRE = regexp.MustCompile(`^Digest realm="MMS Public API", domain="", nonce="([^"]+)", algorithm=MD5, qop="auth", stale=(true|false)$`)

// challengeFor makes an unauthenticated request and returns the nonce of the
// 401's challenge.
func challengeFor(t *testing.T, h *harness, path string) (nonce string) {
	t.Helper()
	r := h.must(401, "GET", path, nil, noAuth())
	m := challengeRE.FindStringSubmatch(r.header.Get("Www-Authenticate"))
	if m == nil {
		t.Fatalf("challenge %q is not Atlas's", r.header.Get("Www-Authenticate"))
	}
	if m[2] != "false" {
		t.Fatalf("fresh challenge is stale: %q", m[0])
	}
	if code := r.errorCode(t); code != codeUnauthorized {
		t.Errorf("errorCode %q", code)
	}
	if d := r.json(t)["detail"]; d != "You are not authorized for this resource." {
		t.Errorf("detail %q", d)
	}
	return m[1]
}

// digestHeader computes an Authorization header by hand (RFC 7616, MD5, qop=auth).
func digestHeader(user, pass, method, uri, nonce, nc, cnonce string) string {
	ha1 := md5hex(user + ":" + digestRealm + ":" + pass)
	ha2 := md5hex(method + ":" + uri)
	resp := md5hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=MD5, qop=auth, nc=%s, cnonce="%s", response="%s"`,
		user, digestRealm, nonce, uri, nc, cnonce, resp)
}

func TestDigestByHand(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	path := "/api/atlas/v2/groups/" + DemoProjectID + "/clusters?itemsPerPage=2"

	nonce := challengeFor(t, h, path)
	if other := challengeFor(t, h, path); other == nonce {
		t.Fatal("two challenges share a nonce")
	}
	good := digestHeader(DemoPublicKey, DemoPrivateKey, "GET", path, nonce, "00000001", "0a4f113b")
	r := h.must(200, "GET", path, nil, withAuth(good))
	if n := len(r.json(t)["results"].([]any)); n != 2 {
		t.Fatalf("results %d", n)
	}

	cases := []struct {
		name string
		auth string
	}{
		{"replayed header", good},
		{"wrong password", digestHeader(DemoPublicKey, "not-the-key", "GET", path, nonce, "00000002", "0a4f113b")},
		{"unknown user", digestHeader("nobody", DemoPrivateKey, "GET", path, nonce, "00000003", "0a4f113b")},
		{"nonce the sim never issued", digestHeader(DemoPublicKey, DemoPrivateKey, "GET", path, "bm90LWlzc3VlZC1ieS1zaW0=", "00000001", "0a4f113b")},
		{"uri of another request", digestHeader(DemoPublicKey, DemoPrivateKey, "GET", "/api/atlas/v2/orgs", nonce, "00000004", "0a4f113b")},
		{"method not the one signed", digestHeader(DemoPublicKey, DemoPrivateKey, "POST", path, nonce, "00000005", "0a4f113b")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do("GET", path, nil, withAuth(tc.auth))
			if r.status != 401 {
				t.Fatalf("status %d, want 401: %s", r.status, r.raw)
			}
			if !challengeRE.MatchString(r.header.Get("Www-Authenticate")) {
				t.Errorf("401 without a fresh challenge: %q", r.header.Get("Www-Authenticate"))
			}
		})
	}

	// The same nonce with the next nonce count is fine (clients reuse nonces).
	h.must(200, "GET", path, nil, withAuth(digestHeader(DemoPublicKey, DemoPrivateKey, "GET", path, nonce, "00000002", "77aa")))

	// Nonces expire: a correct answer to an old nonce is 401 stale=true.
	h.clock.Advance(digestNonceTTL + time.Second)
	r = h.must(401, "GET", path, nil, withAuth(digestHeader(DemoPublicKey, DemoPrivateKey, "GET", path, nonce, "00000009", "1234")))
	if m := challengeRE.FindStringSubmatch(r.header.Get("Www-Authenticate")); m == nil || m[2] != "true" {
		t.Errorf("expired nonce: challenge %q, want stale=true", r.header.Get("Www-Authenticate"))
	}
	for _, lr := range h.sim.Requests() {
		if lr.Auth != "digest" && lr.Auth != "none" {
			t.Errorf("request logged with auth %q", lr.Auth)
		}
	}
}

func TestDigestLibraryClient(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	c := &http.Client{Transport: &digest.Transport{Username: DemoPublicKey, Password: DemoPrivateKey}}
	do := func(method, path, body string) (int, []byte) {
		req, _ := http.NewRequestWithContext(context.Background(), method, h.srv.URL+path, strings.NewReader(body))
		req.Header.Set("Accept", latest)
		req.Header.Set("Content-Type", "application/json")
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	for i := 0; i < 3; i++ { // the transport reuses the challenge with growing nc
		if st, b := do("GET", "/api/atlas/v2/groups/"+DemoProjectID+"/clusters", ""); st != 200 {
			t.Fatalf("GET %d: %s", st, b)
		}
	}
	if st, b := do("POST", "/api/atlas/v2/groups/"+DemoProjectID+"/accessList", `[{"cidrBlock":"10.9.0.0/16"}]`); st != 200 {
		t.Fatalf("POST with body %d: %s", st, b)
	}
}

func TestDigestReadOnlyKey(t *testing.T) {
	h := newHarness(t, Options{Seed: true})
	c := &http.Client{Transport: &digest.Transport{Username: DemoReadOnlyPublicKey, Password: DemoReadOnlyPrivateKey}}
	get, _ := http.NewRequest("GET", h.srv.URL+"/api/atlas/v2/groups/"+DemoProjectID+"/clusters", nil)
	get.Header.Set("Accept", latest)
	res, err := c.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 {
		t.Fatalf("read-only key GET: %d", res.StatusCode)
	}
	post, _ := http.NewRequest("POST", h.srv.URL+"/api/atlas/v2/groups/"+DemoProjectID+"/accessList", strings.NewReader(`[{"ipAddress":"192.0.2.1"}]`))
	post.Header.Set("Accept", latest)
	res, err = c.Do(post)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	if res.StatusCode != 403 || body["errorCode"] != codeForbidden {
		t.Fatalf("read-only key POST: %d %v, want 403 %s", res.StatusCode, body, codeForbidden)
	}
}

// TestCurlDigest is the check that `curl --digest -u pub:priv` works: curl
// signs the uri as path plus query.
func TestCurlDigest(t *testing.T) {
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("curl not installed")
	}
	h := newHarness(t, Options{Seed: true})
	out, err := exec.Command(curl, "-sS", "--digest", "-u", DemoPublicKey+":"+DemoPrivateKey,
		"-H", "Accept: "+latest, "-w", "\n%{http_code}",
		h.srv.URL+"/api/atlas/v2/groups/"+DemoProjectID+"/databaseUsers?pretty=true&itemsPerPage=1").CombinedOutput()
	if err != nil {
		t.Fatalf("curl: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if lines[len(lines)-1] != "200" || !strings.Contains(string(out), `"username"`) {
		t.Fatalf("curl --digest did not get the users:\n%s", out)
	}
}
