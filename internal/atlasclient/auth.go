package atlasclient

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/icholy/digest"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// authTransport picks the authentication of each request by the API of its
// operation: the Administration API takes a service-account bearer token or
// Digest, App Services takes its own session token.
type authTransport struct {
	admin       http.RoundTripper
	appServices http.RoundTripper // nil without an API key pair
}

func (t *authTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if st := stateOf(req); st != nil && st.op.API == AppServices {
		if t.appServices == nil {
			closeBody(req)
			return nil, ErrNoAppServicesCredentials
		}
		return t.appServices.RoundTrip(req)
	}
	return t.admin.RoundTrip(req)
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
}

// bearerTransport authorises with a cached token and, on a 401, drops that
// token and tries once more with a fresh one: Atlas has no refresh tokens for
// service accounts, and a token can die before its stated expiry.
type bearerTransport struct {
	cache *tokenCache
	next  http.RoundTripper
}

func (t *bearerTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	tok, err := t.cache.get(ctx)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	first := req.Clone(ctx)
	first.Header.Set("Authorization", "Bearer "+tok)
	resp, err := t.next.RoundTrip(first)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return resp, err
	}
	hasBody := req.Body != nil && req.Body != http.NoBody
	if hasBody && req.GetBody == nil {
		return resp, nil // cannot replay: let the 401 through
	}
	drain(resp)
	t.cache.invalidate(tok)
	tok, err = t.cache.get(ctx)
	if err != nil {
		return nil, err
	}
	second := req.Clone(ctx)
	if hasBody {
		if second.Body, err = req.GetBody(); err != nil {
			return nil, err
		}
	}
	second.Header.Set("Authorization", "Bearer "+tok)
	return t.next.RoundTrip(second)
}

// drain reads a little of a discarded body so the connection can be reused.
func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
	_ = resp.Body.Close()
}

// tokenPath is where service-account tokens come from, under BaseURL.
const tokenPath = "/api/oauth/token"

// serviceAccountFetch requests a new token with the client-credentials grant,
// client ID and secret in HTTP Basic (as Atlas documents). hc goes straight to
// the base transport: token requests must not draw on the API's rate buckets.
func serviceAccountFetch(s *settings, hc *http.Client) func(context.Context) (string, time.Time, error) {
	cfg := &clientcredentials.Config{
		ClientID:     s.Credentials.ClientID,
		ClientSecret: s.Credentials.ClientSecret,
		TokenURL:     s.base.String() + tokenPath,
		AuthStyle:    oauth2.AuthStyleInHeader,
	}
	return func(ctx context.Context) (string, time.Time, error) {
		tok, err := cfg.Token(context.WithValue(ctx, oauth2.HTTPClient, hc))
		if err != nil {
			return "", time.Time{}, tokenError(err, s.Now())
		}
		var exp time.Time
		switch {
		case tok.ExpiresIn > 0:
			exp = s.Now().Add(time.Duration(tok.ExpiresIn) * time.Second)
		case !tok.Expiry.IsZero():
			exp = tok.Expiry
		}
		return tok.AccessToken, exp, nil
	}
}

// tokenError keeps oauth2's error text out of the answer: it quotes the whole
// response body.
func tokenError(err error, now time.Time) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) || re.Response == nil {
		return &TransportError{Method: http.MethodPost, Path: tokenPath, Attempts: 1, Err: unwrapURLError(err)}
	}
	e := newAPIError(http.MethodPost, tokenPath, Operation{}, re.Response, re.Body, now)
	if re.ErrorCode != "" && e.ErrorCode == genericCode(e.Status) {
		e.ErrorCode = re.ErrorCode
	}
	if e.Detail == "" {
		e.Detail = re.ErrorDescription
	}
	e.Retryable = e.Status == http.StatusTooManyRequests || e.Status >= 500
	if e.Status >= 400 && e.Status < 500 && e.Status != http.StatusTooManyRequests {
		e.Hint = "Atlas refused the service account token request: check MONGODB_ATLAS_CLIENT_ID and MONGODB_ATLAS_CLIENT_SECRET, and that the secret has not expired"
	}
	return e
}

// unwrapURLError strips *url.Error, whose text repeats the URL.
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) && ue.Err != nil {
		return ue.Err
	}
	return err
}

func newDigestTransport(s *settings, next http.RoundTripper) http.RoundTripper {
	return &digest.Transport{
		Username:  s.Credentials.PublicKey,
		Password:  s.Credentials.PrivateKey,
		Transport: next,
	}
}
