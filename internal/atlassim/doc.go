// Package atlassim is an in-memory MongoDB Atlas that speaks Atlas's wire
// protocol: the Admin API v2 under /api/atlas/v2, the service-account token
// endpoints under /api/oauth, and the App Services Admin API v3.0 under
// /api/admin/v3.0. It serves the tests and benchmarks of this repository,
// `atlas-mcp --sandbox`, and `atlas-mcp sim`, which other MCP servers are
// pointed at, so it follows Atlas (../shared/atlas/REFERENCE.md and the
// OpenAPI subset), not our own client.
//
// A request goes: request log → fault injection → authentication (Bearer
// token from /api/oauth/token, or HTTP Digest with an API key; 401 carries a
// fresh Digest challenge) → route (404 / 405) → version negotiation (406) →
// token bucket (429) → project/organization checks (400 bad ID, 404, 403) →
// the handler. Time passes lazily from Options.Now: clusters leave
// CREATING/UPDATING/DELETING, snapshots and restore jobs finish, and buckets
// refill when a later request looks, so a Sim starts no goroutines.
//
// Choices where Atlas publishes nothing (the codes are constants in errors.go):
//
//   - 401: errorCode UNAUTHORIZED, detail "You are not authorized for this
//     resource." (Atlas's detail; it sends no errorCode there).
//   - 403 (a credential outside its organization, or a read-only key writing):
//     USER_UNAUTHORIZED, "Current user is not authorized to perform this action."
//   - 406: INVALID_ACCEPT_HEADER for every refusal (no dated version, a date
//     that is not published, a date before the resource's first version); the
//     detail says which and quotes the Accept header, which is also parameters[0].
//     Served versions: the newest version of the resource dated on or before
//     the requested date. Every cluster version answers the 2024-08-05 shape
//     (ClusterDescription20240805); the legacy 2023-01-01 / 2023-02-01 shapes are
//     not reproduced.
//   - 400 on bad paging values: INVALID_QUERY_PARAMETER, parameters [name, value].
//   - 409 on PATCH of a CREATING or UPDATING cluster: CANNOT_UPDATE_CLUSTER_WHILE_NOT_IDLE.
//     PATCH or DELETE of a DELETING cluster: 400 CLUSTER_ALREADY_REQUESTED_DELETION.
//   - Unknown body attributes: 400 INVALID_ATTRIBUTE; bad enum values: 400
//     INVALID_ENUM_VALUE; other bad values: 400 VALIDATION_ERROR with
//     badRequestDetail.fields; missing required ones: 400 MISSING_ATTRIBUTE.
//   - Bad region for a provider: 400 INVALID_REGION.
//   - API_KEY_NOT_FOUND is 404 (the error-code page says 400).
//   - Rate limits: see DefaultLimits. The 429 detail and parameters follow the
//     documented example with the route template as the path.
//   - Atlas for Government (Options.Gov): INVALID_INSTANCE_SIZE_FOR_ATLAS_GOV
//     (below M20, tenants), CLOUD_PROVIDER_UNAVAILABLE_IN_ATLAS_GOV (Azure),
//     INVALID_REGION_FOR_REGION_USAGE_RESTRICTIONS (non-US regions, GovCloud in a
//     standard project, a standard AWS region in a GOV_REGIONS_ONLY project),
//     CANNOT_RESTORE_ACROSS_REGION_USAGE_RESTRICTIONS; App Services triggers
//     answer 404. In commercial mode GOV_REGIONS_ONLY projects and AWS GovCloud
//     regions are refused.
//   - App Services errors are {"error","error_code"}: InvalidSession (401),
//     InvalidPassword (401 login), GroupNotFound / AppNotFound / TriggerNotFound
//     (404). Login answers 200, /auth/session 201.
package atlassim
