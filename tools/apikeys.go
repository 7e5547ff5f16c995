package tools

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/atlas-mcp/atlas-mcp/internal/atlasclient"
)

// apiKeyTools are the tools of this area, in the catalogue's order (reads first).
func apiKeyTools() []*Tool {
	return []*Tool{listAPIKeys(), createAPIKey(), deleteAPIKey()}
}

// APIKey is the compact view of a programmatic API key. It has no private key
// field: listings must never carry one, even masked.
type APIKey struct {
	ID        string   `json:"id" jsonschema_description:"The key's ID; atlas-delete-api-key takes it as apiKeyId."`
	PublicKey string   `json:"publicKey"`
	Desc      string   `json:"desc,omitempty"`
	Roles     []string `json:"roles" jsonschema_description:"Organization roles, and project roles as ROLE@projectId."`
}

type apiKeyDoc struct {
	ID         string `json:"id"`
	PublicKey  string `json:"publicKey"`
	PrivateKey string `json:"privateKey"`
	Desc       string `json:"desc"`
	Roles      []struct {
		RoleName string `json:"roleName"`
		OrgID    string `json:"orgId"`
		GroupID  string `json:"groupId"`
	} `json:"roles"`
}

func (d *apiKeyDoc) summary() APIKey {
	k := APIKey{ID: d.ID, PublicKey: d.PublicKey, Desc: d.Desc, Roles: []string{}}
	for _, r := range d.Roles {
		role := r.RoleName
		if r.GroupID != "" {
			role += "@" + r.GroupID
		}
		k.Roles = append(k.Roles, role)
	}
	return k
}

// withoutPrivateKey drops privateKey from a raw key document. Atlas masks it in
// listings, but verbose answers should not depend on that.
func withoutPrivateKey(raw json.RawMessage) json.RawMessage {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil
	}
	delete(m, "privateKey")
	out, err := json.Marshal(m)
	if err != nil {
		return nil
	}
	return out
}

func apiKeyRows(ks []APIKey) string {
	rows := make([][]string, 0, len(ks))
	for _, k := range ks {
		rows = append(rows, []string{k.ID, k.PublicKey, strings.Join(k.Roles, ","), orDash(k.Desc)})
	}
	return table([]string{"API KEY ID", "PUBLIC KEY", "ROLES", "DESCRIPTION"}, rows)
}

// --- atlas-list-api-keys ---

// ListAPIKeysInput lists an organization's API keys.
type ListAPIKeysInput = OrgList

func listAPIKeys() *Tool {
	return listSpec[ListAPIKeysInput, APIKey]{
		Name:        "atlas-list-api-keys",
		Title:       "List API keys",
		Description: "List an organization's API keys: ID, public key, roles, description; never private keys.",
		Area:        AreaAPIKeys,
		Op:          atlasclient.ListOrgApiKeys,
		FromDoc:     fromDoc((*apiKeyDoc).summary),
		What:        func(in *ListAPIKeysInput) string { return "API keys of organization " + in.OrgID },
		Noun:        "API keys",
		Rows:        apiKeyRows,
		Raw:         withoutPrivateKey,
	}.tool()
}

// --- atlas-create-api-key ---

// CreateAPIKeyInput mints an organization API key.
type CreateAPIKeyInput struct {
	OrgScope
	Desc  string   `json:"desc" jsonschema:"required,minLength=1,maxLength=250" jsonschema_description:"What the key is for, who owns it."`
	Roles []string `json:"roles" jsonschema:"required,minItems=1,uniqueItems=true,enum=ORG_OWNER,enum=ORG_MEMBER,enum=ORG_GROUP_CREATOR,enum=ORG_BILLING_ADMIN,enum=ORG_BILLING_READ_ONLY,enum=ORG_STREAM_PROCESSING_ADMIN,enum=ORG_READ_ONLY" jsonschema_description:"e.g. ORG_READ_ONLY; ORG_OWNER can do anything."`
	WriteOptions
}

func (in *CreateAPIKeyInput) prepare(env *Env) error {
	if err := in.resolve(env); err != nil {
		return err
	}
	return checkText("desc", in.Desc)
}
func (in *CreateAPIKeyInput) facts() Facts { return Facts{OrgID: in.OrgID} }

// apiKeyRoleNote says what a person approving a key should know of a role.
func apiKeyRoleNote(role string) string {
	switch role {
	case "ORG_OWNER":
		return " — full control of the organization, its projects, users, billing and API keys"
	case "ORG_GROUP_CREATOR":
		return " — can create projects"
	case "ORG_BILLING_ADMIN":
		return " — manages billing"
	case "ORG_MEMBER", "ORG_READ_ONLY", "ORG_BILLING_READ_ONLY":
		return " — read access"
	}
	return ""
}

func (in *CreateAPIKeyInput) request() *atlasclient.Request {
	return &atlasclient.Request{Op: atlasclient.CreateOrgApiKey, Params: map[string]string{"orgId": in.OrgID}, Body: map[string]any{"desc": in.Desc, "roles": in.Roles}}
}

// CreateAPIKeyOutput carries the new key, and its private key this one time.
type CreateAPIKeyOutput struct {
	APIKey     APIKey `json:"apiKey"`
	PrivateKey string `json:"privateKey" jsonschema_description:"The private key. Atlas shows it only in this answer: store it in a secret manager now."`
}

func createAPIKey() *Tool {
	return spec[CreateAPIKeyInput, CreateAPIKeyOutput]{
		Name:        "atlas-create-api-key",
		Title:       "Create API key",
		Description: "Mint an organization API key; its private key is shown once: store it. Grant the fewest roles.",
		Area:        AreaAPIKeys,
		Op:          atlasclient.CreateOrgApiKey,
		// A new credential: a person says yes unless confirm.skip drops it.
		Confirms: "creates an Atlas credential",
		Build: func(_ context.Context, _ *Env, in *CreateAPIKeyInput, b *Builder) error {
			if err := b.Send(in.request()); err != nil {
				return err
			}
			m, _ := b.lastBody().(map[string]any)
			lines := []string{"description: " + member[string](m, "desc")}
			for _, x := range member[[]any](m, "roles") {
				r, _ := x.(string)
				lines = append(lines, "role "+r+apiKeyRoleNote(r))
			}
			lines = append(lines, "The new key's private key is shown once, in the answer to the agent.")
			b.Render(Rendering{Title: fmt.Sprintf("Create a programmatic API key in organization %s.", in.OrgID), Lines: lines})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *CreateAPIKeyInput, _ *Plan, answers []json.RawMessage) (*Result, error) {
			var d apiKeyDoc
			if err := json.Unmarshal(answers[0], &d); err != nil {
				return nil, fmt.Errorf("decoding created API key: %w", err)
			}
			k := d.summary()
			summary := fmt.Sprintf("Created API key %s (public key %s) in organization %s with roles %s.", k.ID, k.PublicKey, in.OrgID, strings.Join(k.Roles, ", "))
			if d.PrivateKey != "" {
				summary += fmt.Sprintf(" Private key: %s — Atlas shows it only this once and it will not be shown again: store it in a secret manager now.", d.PrivateKey)
			} else {
				summary += " Atlas returned no private key; delete this key and create another if you need one."
			}
			// The private key is our own answer, not untrusted Atlas text: it
			// stays out of Data, which may be logged or shown as a document.
			return &Result{Summary: summary, Data: apiKeyRows([]APIKey{k}), Structured: &CreateAPIKeyOutput{APIKey: k, PrivateKey: d.PrivateKey}}, nil
		},
	}.tool()
}

// --- atlas-delete-api-key ---

// DeleteAPIKeyInput names the API key to delete.
type DeleteAPIKeyInput struct {
	OrgScope
	APIKeyID string `json:"apiKeyId" jsonschema:"required,pattern=^[a-f0-9]{24}$" jsonschema_description:"Key ID (not the public key)."`
	WriteOptions
}

func (in *DeleteAPIKeyInput) prepare(env *Env) error {
	return in.resolve(env)
}
func (in *DeleteAPIKeyInput) facts() Facts { return Facts{OrgID: in.OrgID} }

func (in *DeleteAPIKeyInput) request() *atlasclient.Request {
	// Atlas names the path parameter apiUserId; the argument follows our
	// naming contract (apiKeyId).
	return &atlasclient.Request{Op: atlasclient.DeleteOrgApiKey, Params: map[string]string{"orgId": in.OrgID, "apiUserId": in.APIKeyID}}
}

func deleteAPIKey() *Tool {
	return spec[DeleteAPIKeyInput, DeleteOutput]{
		Name:        "atlas-delete-api-key",
		Title:       "Delete API key",
		Description: "Delete an organization API key; programs using it lose access. Never the key this server uses.",
		Area:        AreaAPIKeys,
		Destructive: true, Idempotent: true,
		Op: atlasclient.DeleteOrgApiKey,
		Build: func(_ context.Context, _ *Env, in *DeleteAPIKeyInput, b *Builder) error {
			// The operations table has no read of one key, so it is found in
			// the organization's list: the person sees which key and roles
			// go, and the plan depends on its ID and public key.
			raw, err := b.findListed(&atlasclient.Request{Op: atlasclient.ListOrgApiKeys, Params: map[string]string{"orgId": in.OrgID}}, func(raw json.RawMessage) bool {
				var d apiKeyDoc
				return json.Unmarshal(raw, &d) == nil && d.ID == in.APIKeyID
			})
			if err != nil {
				return err
			}
			if raw == nil {
				return &StateError{Resource: "API key " + in.APIKeyID, State: "not in organization " + in.OrgID, Want: "an existing key; find its ID with atlas-list-api-keys"}
			}
			var d apiKeyDoc
			_ = json.Unmarshal(raw, &d)
			k := d.summary()
			b.Observe("apiKey.id", k.ID)
			b.Observe("apiKey.publicKey", k.PublicKey)
			if err := b.Send(in.request()); err != nil {
				return err
			}
			lines := []string{"public key " + k.PublicKey, "description: " + orDash(truncate(k.Desc, 250))}
			for _, r := range k.Roles {
				lines = append(lines, "role "+r)
			}
			lines = append(lines, "Every program using the key loses access to Atlas at once.")
			b.Render(Rendering{
				Title:        fmt.Sprintf("Delete API key %s (public key %s) of organization %s.", k.ID, k.PublicKey, in.OrgID),
				Lines:        lines,
				Irreversible: "the key is deleted; a new key has a new secret",
			})
			return nil
		},
		Answer: func(_ context.Context, _ *Env, in *DeleteAPIKeyInput, _ *Plan, _ []json.RawMessage) (*Result, error) {
			return &Result{
				Summary:    fmt.Sprintf("Deleted API key %s from organization %s.", in.APIKeyID, in.OrgID),
				Structured: &DeleteOutput{Deleted: "API key " + in.APIKeyID, Accepted: true},
			}, nil
		},
	}.tool()
}
