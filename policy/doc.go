// Package policy decides who may do what: which agent may call which Atlas tool,
// in which projects, with which arguments, and which calls need a human's yes.
//
// It is pure: no I/O except Load reading the file, and it knows nothing of MCP,
// HTTP or Atlas. The server asks Visible for each tool to build an agent's
// tools/list and Decide for each call; Explain prints the same reasoning for
// `atlas-mcp policy explain`.
//
// # Without a policy file
//
// Default gives one agent, "local", the stdio default: it may read and write
// every area; every destructive tool, atlas-create-api-key, and access-list
// calls whose new entries together open more than 256 IPv4 addresses (a /24) or
// more than one IPv6 /64, or that create more than 20 entries, need a human's
// yes; entries that together open the whole internet are refused. It has no
// bearer token, so HTTP mode needs a policy file.
//
// # The policy file
//
// YAML, one document. Unknown keys are errors, and every error names its line:
//
//	policy.yaml: line 12: unknown key "grant" in agent "ci-bot" (did you mean "grants"?)
//
// A full example (all keys shown; only agents is required):
//
//	version: 1                  # optional; 1 is the only version
//	readOnly: false             # true removes every write tool (as --read-only)
//	disableDestructive: false   # true removes every destructive tool (as --disable-destructive)
//
//	agents:                     # agent name -> settings; names: letters, digits, . _ -
//	  ci-bot:
//	    description: CI pipeline
//	    default: true           # the agent used over stdio (an only agent is the default anyway)
//	    # HTTP bearer token: its SHA-256 in hex ...
//	    tokenSha256: e9fa88e684f9766d1fb5bac8b0eb7c12bd2c5cc0be29c2500c15d005c30a8fed
//	    # ... or the name of an environment variable holding it (>= 16 characters),
//	    # read once at load. Give one or neither (neither: stdio only).
//	    # tokenEnv: ATLAS_MCP_CI_TOKEN
//	    grants:
//	      - area: clusters      # or "*" for every area
//	        access: [read, write]
//	        projects: ["5f1a2b3c4d5e6f7a8b9c0d1e"]   # empty or absent: any project
//	      - area: projects
//	        access: read
//	        orgs: ["5e0a1b2c3d4e5f6a7b8c9d0e"]       # empty or absent: any organization
//	    deny:                   # tools this agent may never call, even if granted
//	      - atlas-delete-cluster
//	      - tool: atlas-create-snapshot
//	        projects: ["5f1a2b3c4d5e6f7a8b9c0d1e"]   # only there
//	        reason: snapshots there are scheduled
//	    constraints:            # this agent's own; checked on top of the policy-wide ones
//	      clusters:
//	        maxInstanceSize: M30
//
//	deny:                       # policy-wide deny rules; agents: narrows them to some agents
//	  - tool: "atlas-delete-*"
//	    agents: [ci-bot]
//	    reason: teardown goes through the pipeline's own job
//
//	constraints:                # policy-wide: apply to every agent
//	  networkAccess:
//	    allowedCidrs: ["10.0.0.0/8"]       # an entry must lie inside one of these
//	    deniedCidrs: ["10.99.0.0/16"]      # and must not overlap any of these
//	    maxLifetime: 24h                   # entries without a comment must expire within this (24h, 90m, 7d)
//	    allowAnywhere: false               # true lifts the built-in refusal of entries that open the whole internet
//	    confirmAboveAddresses: 256         # a call whose entries open more IPv4 addresses in all needs a yes (default 256, a /24)
//	    confirmAboveIPv6Prefix: 64         # ... or more IPv6 addresses than one /64 (default 64)
//	    confirmAboveEntries: 20            # ... or creates more entries than this (default 20)
//	  clusters:
//	    maxInstanceSize: M30               # every size in the body, by number: M0 < M2 < M5 < M10 < … ; R40 = M40_NVME = M40; FLEX/TENANT smallest
//	    allowedProviders: [AWS, GCP]       # AWS, GCP, AZURE, TENANT
//	    allowedRegions: ["US_*", EU_WEST_1]
//	    protectedNames: ["prod-*"]         # path.Match patterns, case-insensitive: never deleted or restored over
//	    protectUpdates: true               # ... and never created or updated either
//	    maxNodes: 9                        # nodes in all: every spec of every region config of every replication spec
//	    maxDiskSizeGB: 512                 # the largest diskSizeGB anywhere in the body
//	  databaseUsers:
//	    allowedRoles: [read, "readWrite@app"]   # role@database; a role alone is on any database
//	    deniedRoles: [atlasAdmin]          # case-insensitive; also denies roles that include it
//	  apiKeys:
//	    allowedRoles: [ORG_READ_ONLY, ORG_MEMBER]   # ORG_* or GROUP_*, case-insensitive
//
//	confirm:
//	  tools: [atlas-create-db-user]        # also need a human's yes
//	  skip: [atlas-create-api-key]         # built-in confirmations to drop (never a destructive tool)
//	  withoutElicitation: refuse           # refuse | token: when the host cannot ask the user
//	  tokenTTL: 5m                         # how long a confirmation token lasts (1s to 24h)
//
// A list of one value may be written as the value (access: read). Project and
// organization IDs are 24 lowercase hex digits. Tool names in deny and confirm
// lists may be path.Match patterns ("atlas-delete-*"); when the server passes its
// catalogue (Options.Tools), a name that matches no tool is a load error.
//
// # Areas and access
//
// Areas: organizations, projects, clusters, databaseUsers, networkAccess,
// backups, alerts, apiKeys, appServices. Access is read or write, and write does
// not imply read: list both to give both. organizations and apiKeys are not
// project-scoped, so a grant there takes orgs, not projects.
//
// # How a call is decided
//
// In order, the first refusal wins:
//
//  1. The agent must be known and the tool well-formed (and in the catalogue).
//  2. readOnly / --read-only refuses write tools; disableDestructive /
//     --disable-destructive refuses destructive ones (rules "readOnly" or
//     "flag.read-only", and so on).
//  3. Deny rules, policy-wide then the agent's: deny wins over any grant.
//  4. A grant must cover the tool's area and access, and the call's scope, in
//     every project the call touches (Call.Projects: a restore's target
//     project too; a project-scoped deny rule in step 3 likewise matches any
//     of them). The call's organization is known only for its primary
//     project, so an organization-limited grant reaches another project only
//     if it names that project, and an organization-scoped deny rule matches
//     any call that touches another project (its organization might be the
//     denied one).
//     With projects, a call in a project must be in the list; a call with no
//     project matches only grants without a projects list, except reading the
//     projects area (atlas-list-projects), which any projects-read grant
//     allows so an agent can find its projects (the server does not filter
//     the list). With orgs, a call that names its organization must be in the
//     list; a project call whose organization is not known matches only if the
//     grant also lists the project; a read of organizations or projects naming
//     neither (atlas-list-orgs) is a top-level listing and matches any read
//     grant for its area (again not filtered).
//  5. Argument constraints, policy-wide and the agent's own: a call must pass
//     both, so an agent's constraints can only narrow the policy's. They check
//     writes that create or change something; a destructive call is checked
//     against protectedNames only (deleting an access-list entry must stay
//     possible whatever it is). Built in: access-list entries that together
//     open every IPv4 address, every public one (all but the RFC 6890
//     special-purpose ranges), every IPv6 address or all of 2000::/3 are
//     refused unless allowAnywhere is set (rule
//     "default.networkAccess.deniedCidrs"), and so are entries that open
//     it together with Args.ExistingAccessEntries, the entries the list
//     already holds (a list already open is not refused a narrow entry). Empty arguments are not checked;
//     a value the policy cannot read (an unknown instance size) is refused.
//  6. An allowed call needs confirmation when the tool is destructive (always),
//     is atlas-create-api-key, creates access-list entries that together open
//     more than confirmAboveAddresses IPv4 addresses or more IPv6 addresses
//     than one /confirmAboveIPv6Prefix, or more than confirmAboveEntries
//     entries (rules "default.confirm.wideAccessList" and
//     "default.confirm.accessListEntries" at the defaults 256, 64 and 20; the
//     smallest threshold any constraint set gives wins), or is listed in
//     confirm.tools. confirm.skip removes the built-in confirmations from a
//     non-destructive tool (the thresholds only at their defaults: one the
//     policy writes still applies); skipping a destructive tool is a load
//     error. Decision.Approvals is how many people must say yes: 1.
//
// # Facts
//
// The server fills Call from the facts of the call's plan (the exact Atlas
// requests), never from the flat arguments: every list holds every value found
// anywhere in the bodies, and every check applies to each value.
//
// Network entries are judged as a union. IPv6 entries that carry IPv4
// addresses are also judged by the IPv4 space they reach, for the whole-
// internet refusal, deniedCidrs, allowedCidrs and the thresholds: IPv4-mapped
// ::ffff:0:0/96, IPv4-compatible ::/96, NAT64 64:ff9b::/96, 6to4 2002::/16 (the
// IPv4 address in bits 16-47) and Teredo 2001::/32 (the client's inverted
// address in the last 32 bits). An IPv6 prefix that holds such a range reaches
// all of IPv4, so ::fffe:0:0/95 or ::/64 counts as 0.0.0.0/0. Network-specific
// NAT64 prefixes are not known to the policy and count as IPv6 only.
// deniedCidrs and allowedCidrs are read as written (an IPv4-mapped range
// becomes IPv4).
//
// Role names compare case-insensitively after trimming. A database role
// constraint "role@database" names the database (patterns allowed in both
// halves; "role" or "role@*" is any database). A denied entry also denies every
// role that includes it (readWrite includes read; readWriteAnyDatabase includes
// readWrite and read on every database; dbAdminAnyDatabase includes dbAdmin;
// atlasAdmin includes every role), and a role whose database the server does
// not know is assumed to be on the denied one. The any-database roles
// (atlasAdmin, readWriteAnyDatabase, readAnyDatabase, dbAdminAnyDatabase,
// clusterMonitor, backup, enableSharding, …) are granted on admin but reach
// every database: an allowed entry that names a database never covers them,
// and naming one with a database is a load error. API key roles are ORG_* or
// GROUP_* names, case-insensitive; denying any role also denies ORG_OWNER, and
// denying a GROUP_ role also denies GROUP_OWNER.
//  7. confirm.rules (tool pattern, optional projects) add a confirmation that
//     needs approvals: N distinct approvers (Decision.Approvals), or that only
//     the approval console may give (approval: console, Decision.ApprovalVia);
//     a freezes: window in force refuses writes (action: refuse) or asks for
//     its approvals: N in the console. See approvers.go for the approvers:
//     map (tokenSha256 or tokenEnv, and/or match: {subject|group, issuer} for
//     people who sign in to the console with identity.oauth.console — see
//     ApproverByClaims; and the areas, projects and tools each may approve),
//     confirm.withoutElicitation: approval, confirm.approvalWait and
//     confirm.approvalTTL.
//
// A Decision names the deciding rule by ID ("agents.ci-bot.grants[0]",
// "constraints.clusters.maxInstanceSize", "deny[1]") with its file line, or a
// built-in ID ("default.no-grant", "flag.read-only"), and gives a reason the
// agent can act on, e.g. "agent bob may read clusters in project X, not write,
// so atlas-create-cluster is not in its tool list; ask an admin for
// clusters:write on project X".
//
// Args.ClusterName is the cluster acted on (for a restore, the target), and
// Args.Clusters every cluster touched; protectedNames applies to ClusterName
// and every Overwritten one. Access-list entries are given in CIDR form; an
// entry the policy cannot read as an address range (an AWS security group) is
// refused.
//
// Visible hides from tools/list every tool the agent could never call: removed
// by a mode, named by a deny rule that has no projects or orgs, or with no
// grant for its area and access anywhere. Decide never allows a tool Visible
// hides.
//
// # Identity over HTTP: OAuth access tokens
//
// Besides static tokens, agents can be reached with OAuth 2.1 access tokens
// from trusted issuers (the identity package verifies them; the policy only
// says which issuers count and which claims make which agent):
//
//	identity:
//	  oauth:
//	    resource: https://atlas-mcp.example.com/mcp   # this server's URL = the audience
//	    issuers:
//	      - issuer: https://idp.example.com          # discovery at {issuer}/.well-known/openid-configuration
//	        audience: …                              # optional; default: resource
//	        requiredScopes: [atlas]                  # optional
//	        groupsClaim: groups                      # optional; default groups
//	    scopes: {read: atlas.read, write: atlas.write}   # optional: scope each access needs
//	agents:
//	  ci-bot:
//	    match: { clientId: ci-bot }                  # or { subject: … } or { group: … }; issuer: pins one
//
// AgentByClaims takes the first agent in file order whose match: holds (every
// key given must hold) and names the rule ("agents.ci-bot.match"). An agent
// may have a match and a token. A match without identity.oauth, an empty
// match and an issuer that is neither https nor loopback http are load errors.
package policy
