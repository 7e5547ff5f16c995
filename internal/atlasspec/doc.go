// Package atlasspec validates request bodies against the Atlas Admin API's
// request schemas, per operation and dated version, so an escape-hatch body
// is checked before it becomes part of a plan: unknown and readOnly fields are
// refused rather than sent or silently dropped.
//
// The schemas come from requests.json, generated from the vendored OpenAPI
// subset by ./gen and embedded; regenerate with `go generate`.
//
// What it does not check, because the spec does not say it in a form a
// validator can read: which fields go together (one of ipAddress, cidrBlock
// or awsSecurityGroup; deliveryType's companions on a restore job), whether
// a regionName belongs to the region config's provider (every provider's
// regionName is the same oneOf of all three providers' enums), whether an
// address or CIDR is well formed beyond the spec's patterns (which accept
// 10.1.2.3.4 and refuse compressed IPv6), cross-field rules such as tier
// ordering of auto-scaling bounds, and the formats other than date-time,
// date, int32 and int64. Writers of plans must check those themselves.
package atlasspec

//go:generate go run ./gen
