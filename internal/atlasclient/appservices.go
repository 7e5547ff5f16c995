package atlasclient

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// appServicesTokenTTL is the documented lifetime of an App Services access token
// (seed 000). The login answer does not say it, so the client assumes it and
// refreshes a little before; a 401 refreshes anyway.
const appServicesTokenTTL = 30 * time.Minute

// appSession obtains App Services access tokens: log in once with the API key
// pair, then trade the refresh token for new access tokens; when the refresh
// token is refused (expired after 60 days by default, or revoked), log in
// again. fetch runs only inside tokenCache's single flight, so at most one
// login or refresh is ever in progress.
type appSession struct {
	s  *settings
	hc *http.Client // base transport: auth requests do not draw on rate buckets

	mu      sync.Mutex
	refresh string
}

type appServicesAuth struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

const (
	appServicesLoginPath   = "/auth/providers/mongodb-cloud/login"
	appServicesSessionPath = "/auth/session"
)

func (a *appSession) fetch(ctx context.Context) (string, time.Time, error) {
	a.mu.Lock()
	rt := a.refresh
	a.mu.Unlock()
	if rt != "" {
		tok, err := a.post(ctx, appServicesSessionPath, nil, rt)
		if err == nil {
			return tok.AccessToken, a.s.Now().Add(appServicesTokenTTL), nil
		}
		var ae *APIError
		if !errors.As(err, &ae) || ae.Status != http.StatusUnauthorized {
			return "", time.Time{}, err
		}
		a.s.Logger.Debug("app services refresh token refused; logging in again")
	}
	body := map[string]string{"username": a.s.Credentials.PublicKey, "apiKey": a.s.Credentials.PrivateKey}
	tok, err := a.post(ctx, appServicesLoginPath, body, "")
	if err != nil {
		return "", time.Time{}, err
	}
	if tok.RefreshToken == "" {
		return "", time.Time{}, fmt.Errorf("atlasclient: App Services login answered without a refresh_token")
	}
	a.mu.Lock()
	a.refresh = tok.RefreshToken
	a.mu.Unlock()
	return tok.AccessToken, a.s.Now().Add(appServicesTokenTTL), nil
}

func (a *appSession) post(ctx context.Context, endpoint string, body any, bearer string) (*appServicesAuth, error) {
	path := a.s.appPrefix + endpoint
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.s.appBase.String()+path, rd)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := a.hc.Do(req)
	if err != nil {
		return nil, &TransportError{Method: http.MethodPost, Path: path, Attempts: 1, Err: unwrapURLError(err)}
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
		e := newAPIError(http.MethodPost, path, Operation{}, resp, b, a.s.Now())
		if resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden {
			if endpoint == appServicesLoginPath {
				e.Hint = "App Services refused the API key: check MONGODB_ATLAS_PUBLIC_API_KEY and MONGODB_ATLAS_PRIVATE_API_KEY and the key's project access"
			} else {
				e.Hint = "App Services refused the refresh token"
			}
		}
		return nil, e
	}
	var out appServicesAuth
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxErrorBody)).Decode(&out); err != nil {
		return nil, fmt.Errorf("atlasclient: App Services %s: decoding answer: %w", endpoint, err)
	}
	if out.AccessToken == "" {
		return nil, fmt.Errorf("atlasclient: App Services %s answered without an access_token", endpoint)
	}
	return &out, nil
}
