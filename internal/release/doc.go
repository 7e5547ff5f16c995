// Package release holds no code: its tests keep the shipping files honest —
// the release targets cross-compile, `go install …/cmd/atlas-mcp@latest` can
// work with the module path, the Dockerfile keeps its rules (no Docker engine
// runs in CI, and hadolint is not packaged where CI runs), and the Kubernetes
// example parses, fits together and carries a policy that loads.
package release
