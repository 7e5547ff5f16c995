package atlassim

import (
	"net/http"
	"slices"
	"time"
)

// principal is who a request authenticated as. Credentials from Options
// (service accounts, API keys) act as owners of every organization; an API key
// created through POST /orgs/{orgId}/apiKeys (or the seeded read-only key)
// sees only its organization, and without ORG_OWNER it may only read.
type principal struct {
	kind     string // "serviceAccount" or "apiKey"
	id       string // client ID or public key
	orgID    string // "" = every organization
	readOnly bool
}

func (p *principal) canOrg(orgID string) bool { return p.orgID == "" || p.orgID == orgID }

// apiKeyPrincipal finds the private key and principal of a public key.
func (s *Sim) apiKeyPrincipal(public string) (string, *principal, bool) {
	if priv, found := s.opts.APIKeys[public]; found {
		return priv, &principal{kind: "apiKey", id: public}, true
	}
	for _, k := range s.st.apiKeys {
		if k.publicKey == public {
			return k.privateKey, &principal{
				kind:     "apiKey",
				id:       public,
				orgID:    k.orgID,
				readOnly: !slices.Contains(k.roles, "ORG_OWNER"),
			}, true
		}
	}
	return "", nil, false
}

// authenticateV2 accepts a live service-account Bearer token or a valid Digest
// response; anything else is 401 with a fresh Digest challenge, as Atlas
// answers.
func (s *Sim) authenticateV2(r *http.Request, now time.Time) (*principal, reply, bool) {
	switch authScheme(r) {
	case "bearer":
		who, why := s.bearer(r, now)
		if who != nil {
			return who, reply{}, true
		}
		e := newErr(http.StatusUnauthorized, codeUnauthorized, "You are not authorized for this resource. %s", why)
		e.header = http.Header{"Www-Authenticate": {`Bearer error="invalid_token", error_description="` + why + `"`}}
		return nil, reply{err: e}, false
	case "digest":
		who, stale := s.verifyDigest(r, now)
		if who != nil {
			return who, reply{}, true
		}
		return nil, s.unauthorizedDigest(now, stale), false
	}
	return nil, s.unauthorizedDigest(now, false), false
}

func (s *Sim) unauthorizedDigest(now time.Time, stale bool) reply {
	e := newErr(http.StatusUnauthorized, codeUnauthorized, "You are not authorized for this resource.")
	e.header = http.Header{"Www-Authenticate": {s.challenge(now, stale)}}
	return reply{err: e}
}
