package atlassim

import (
	"fmt"
	"net/http"
)

// apiError is an Atlas Admin API error answer (the spec's ApiError):
// {"detail","error","errorCode","parameters","reason"} plus, for field
// validation, badRequestDetail.
type apiError struct {
	status int
	code   string
	detail string
	params []any
	fields []badField
	header http.Header
}

type badField struct {
	Field       string `json:"field"`
	Description string `json:"description"`
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.status, e.code, e.detail) }

func (e *apiError) body() map[string]any {
	params := e.params
	if params == nil {
		params = []any{}
	}
	b := map[string]any{
		"detail":     e.detail,
		"error":      e.status,
		"errorCode":  e.code,
		"parameters": params,
		"reason":     http.StatusText(e.status),
	}
	if len(e.fields) > 0 {
		b["badRequestDetail"] = map[string]any{"fields": e.fields}
	}
	return b
}

func newErr(status int, code, format string, args ...any) *apiError {
	return &apiError{status: status, code: code, detail: fmt.Sprintf(format, args...)}
}

func (e *apiError) with(params ...any) *apiError {
	e.params = append(e.params, params...)
	return e
}

// Error codes the simulator answers. Those marked [docs] are Atlas's published
// codes; the others are our choices where Atlas documents none (see doc.go).
const (
	codeUnauthorized          = "UNAUTHORIZED"      // our choice; real Atlas sends detail "You are not authorized for this resource."
	codeForbidden             = "USER_UNAUTHORIZED" // as Atlas answers a credential lacking the role
	codeNotAcceptable         = "INVALID_ACCEPT_HEADER"
	codeResourceNotFound      = "RESOURCE_NOT_FOUND" // spec example
	codeMethodNotAllowed      = "METHOD_NOT_ALLOWED"
	codeInvalidQueryParameter = "INVALID_QUERY_PARAMETER"
	codeInvalidJSON           = "INVALID_JSON"      // [docs]
	codeMissingAttribute      = "MISSING_ATTRIBUTE" // [docs]
	codeInvalidAttribute      = "INVALID_ATTRIBUTE"
	codeInvalidEnumValue      = "INVALID_ENUM_VALUE"
	codeValidation            = "VALIDATION_ERROR" // spec example
	codeInvalidGroupID        = "INVALID_GROUP_ID"
	codeInvalidOrgID          = "INVALID_ORG_ID"
	codeRateLimited           = "RATE_LIMITED_TOKEN_BUCKET" // [docs]

	codeClusterNotFound        = "CLUSTER_NOT_FOUND"                    // [docs]
	codeDuplicateClusterName   = "DUPLICATE_CLUSTER_NAME"               // [docs]
	codeClusterNameInvalid     = "CLUSTER_NAME_INVALID"                 // [docs]
	codeClusterNotIdle         = "CANNOT_UPDATE_CLUSTER_WHILE_NOT_IDLE" // our choice (409)
	codeClusterPaused          = "CANNOT_UPDATE_PAUSED_CLUSTER"         // [docs]
	codeClusterDeleteRequested = "CLUSTER_ALREADY_REQUESTED_DELETION"   // [docs]
	codeTerminationProtection  = "CANNOT_TERMINATE_CLUSTER_WHEN_TERMINATION_PROTECTION_ENABLED"
	codeInvalidRegion          = "INVALID_REGION"
	codeFlexNotFound           = "FLEX_CLUSTER_NOT_FOUND"

	codeGroupNotFound      = "GROUP_NOT_FOUND"                          // [docs]
	codeGroupExists        = "GROUP_ALREADY_EXISTS"                     // [docs]
	codeGroupHasClusters   = "CANNOT_CLOSE_GROUP_ACTIVE_ATLAS_CLUSTERS" // [docs]
	codeOrgNotFound        = "ORG_NOT_FOUND"                            // [docs]
	codeUsernameNotFound   = "USERNAME_NOT_FOUND"                       // [docs]
	codeUserExists         = "USER_ALREADY_EXISTS"
	codeAccessNotFound     = "ATLAS_NETWORK_PERMISSION_ENTRY_NOT_FOUND" // [docs]
	codeInvalidIPOrCIDR    = "INVALID_IP_ADDRESS_OR_CIDR_NOTATION"      // [docs]
	codeSnapshotNotFound   = "SNAPSHOT_NOT_FOUND"                       // [docs]
	codeUnfinishedSnapshot = "UNFINISHED_ON_DEMAND_SNAPSHOT"            // [docs]
	codeRestoreNotFound    = "RESTORE_JOB_NOT_FOUND"                    // [docs]
	codeAPIKeyNotFound     = "API_KEY_NOT_FOUND"                        // [docs] (404 here, as the brief asks)

	codeGovInstanceSize = "INVALID_INSTANCE_SIZE_FOR_ATLAS_GOV"     // our choice
	codeGovProvider     = "CLOUD_PROVIDER_UNAVAILABLE_IN_ATLAS_GOV" // our choice
	codeGovRegion       = "INVALID_REGION_FOR_REGION_USAGE_RESTRICTIONS"
	codeGovRestore      = "CANNOT_RESTORE_ACROSS_REGION_USAGE_RESTRICTIONS"
	codeGovNotAvailable = "NOT_AVAILABLE_IN_ATLAS_GOV"
)

// defaultCodeFor is the errorCode a Fault without ErrorCode answers with.
func defaultCodeFor(status int) string {
	switch status {
	case http.StatusBadRequest:
		return codeValidation
	case http.StatusUnauthorized:
		return codeUnauthorized
	case http.StatusForbidden:
		return codeForbidden
	case http.StatusNotFound:
		return codeResourceNotFound
	case http.StatusNotAcceptable:
		return codeNotAcceptable
	case http.StatusConflict:
		return "CONFLICT"
	case http.StatusTooManyRequests:
		return "RATE_LIMITED"
	case http.StatusServiceUnavailable:
		return "SERVICE_UNAVAILABLE"
	case http.StatusBadGateway, http.StatusGatewayTimeout:
		return "UNEXPECTED_ERROR"
	}
	if status >= 500 {
		return "UNEXPECTED_ERROR"
	}
	return "UNEXPECTED_ERROR"
}

// asError is an App Services Admin API error answer: {"error","error_code"}.
type asError struct {
	status int
	msg    string
	code   string
}

func (e *asError) body() map[string]any {
	return map[string]any{"error": e.msg, "error_code": e.code}
}

func defaultASCodeFor(status int) string {
	switch status {
	case http.StatusUnauthorized:
		return "InvalidSession"
	case http.StatusForbidden:
		return "Forbidden"
	case http.StatusNotFound:
		return "NotFound"
	case http.StatusTooManyRequests:
		return "TooManyRequests"
	case http.StatusBadRequest:
		return "BadRequest"
	}
	return "InternalServerError"
}
