//go:build tools

package deps

import (
	_ "github.com/getkin/kin-openapi/openapi3"
	_ "github.com/icholy/digest"
	_ "github.com/invopop/jsonschema"
	_ "github.com/mark3labs/mcp-go/server"
	_ "go.uber.org/zap"
	_ "golang.org/x/oauth2/clientcredentials"
	_ "golang.org/x/time/rate"
	_ "gopkg.in/yaml.v3"
)
