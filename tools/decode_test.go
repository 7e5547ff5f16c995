package tools

import (
	"encoding/json"
	"errors"
	"testing"
)

// Type errors name the argument as the agent wrote it, not Go's path through
// embedded structs.
func TestDecodeNamesTheArgument(t *testing.T) {
	env := &Env{DefaultProjectID: "6650a0c0f0a1b2c3d4e5f602"}
	cases := []struct{ tool, args, field string }{
		{"atlas-list-clusters", `{"pageNum":"abc"}`, "pageNum"},
		{"atlas-list-clusters", `{"projectId":123}`, "projectId"},
		{"atlas-create-db-user", `{"username":"u","roles":"read"}`, "roles"},
		{"atlas-list-clusters", `[1,2]`, "arguments"},
	}
	for _, tc := range cases {
		_, err := Find(All(), tc.tool).Decode(json.RawMessage(tc.args), env)
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != tc.field {
			t.Errorf("%s %s: got %v, want field %s", tc.tool, tc.args, err, tc.field)
		}
	}
}
