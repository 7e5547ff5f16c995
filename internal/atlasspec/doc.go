// Package atlasspec validates request bodies against the Atlas Admin API's
// request schemas, per operation and dated version, so an escape-hatch body
// is checked before it becomes part of a plan: unknown and readOnly fields are
// refused rather than sent or silently dropped.
//
// The schemas come from requests.json, generated from the vendored OpenAPI
// subset by ./gen and embedded; regenerate with `go generate`.
package atlasspec

//go:generate go run ./gen
