package identity_test

import (
	"context"
	"log"
	"net/http"

	"github.com/atlas-mcp/atlas-mcp/internal/identity"
)

// The approval console mounts the two handlers and starts its own session in
// OnLogin; whether the person may approve (policy approvers by subject or
// group) is the console's decision, made from the verified Person.
func ExampleNewOIDCLogin() {
	login, err := identity.NewOIDCLogin(context.Background(), identity.LoginConfig{
		Issuer:       "https://idp.example.com",
		ClientID:     "atlas-mcp-console",
		ClientSecret: "from the environment, never the policy file",
		RedirectURL:  "https://atlas-mcp.example.com/approvals/callback",
		Scopes:       []string{"profile", "email", "groups"},
		OnLogin: func(w http.ResponseWriter, r *http.Request, p identity.Person, next string) {
			// e.g. approvals.StartSession(w, p.Subject, p.Groups)
			http.Redirect(w, r, next, http.StatusFound)
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/approvals/login", login.LoginHandler())
	mux.Handle("/approvals/callback", login.CallbackHandler())
}
