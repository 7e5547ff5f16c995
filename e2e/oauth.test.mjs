// OAuth 2.1 with the official TypeScript SDK client: it finds the issuer from
// atlas-mcp's protected-resource metadata (RFC 9728), gets a token from a real
// OpenID provider on loopback (internal/identity/testop), and sees only the
// tools of the agent its token maps to.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { startSim, serverEnv, startHTTP, startOP, freePort, text, ROOT } from './helpers.mjs';

const REDIRECT = 'http://127.0.0.1:9/callback'; // never fetched: the test reads the code off the redirect

let sim, op, srv, resource;
before(async () => {
  sim = await startSim();
  const port = await freePort();
  resource = `http://127.0.0.1:${port}/mcp`;
  op = await startOP({
    clients: [
      { id: 'ci-bot', secret: 'ci-bot-secret', audience: [resource] },
      { id: 'ide', secret: 'ide-secret', audience: [resource], redirects: [REDIRECT] },
      { id: 'elsewhere', secret: 'elsewhere-secret', audience: ['https://other.example.com/mcp'] },
    ],
    user: { subject: 'alice@example.com', groups: ['sre'] },
  });
  const dir = mkdtempSync(join(tmpdir(), 'atlas-mcp-oauth-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, `identity:
  oauth:
    resource: ${resource}
    issuers:
      - issuer: ${op.issuer}
agents:
  ci-bot:
    match: { clientId: ci-bot }
    grants: [{ area: clusters, access: [read] }]
  sre:
    match: { group: sre }
    grants: [{ area: projects, access: [read] }]
`);
  srv = await startHTTP(serverEnv(sim), ['--policy', policy], port);
});
after(() => { srv?.stop(); op?.stop(); sim?.stop(); });

async function toolNames(client) {
  return (await client.listTools()).tools.map((t) => t.name).sort();
}

test('401 points at the metadata, which names the issuer', async () => {
  const r = await fetch(resource, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(r.status, 401);
  const meta = `http://127.0.0.1:${new URL(resource).port}/.well-known/oauth-protected-resource/mcp`;
  assert.match(r.headers.get('www-authenticate'), new RegExp(`^Bearer resource_metadata="${meta}"`));
  const m = await (await fetch(meta)).json();
  assert.equal(m.resource, resource);
  assert.deepEqual(m.authorization_servers, [op.issuer]);
  assert.deepEqual(m.bearer_methods_supported, ['header']);
});

test('client credentials: the SDK discovers the issuer, gets a token, and sees only its agent\'s tools', async () => {
  const provider = new ClientCredentialsProvider({ clientId: 'ci-bot', clientSecret: 'ci-bot-secret', expectedIssuer: op.issuer });
  const client = new Client({ name: 'e2e-oauth-cc', version: '1.0.0' }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider }));
  try {
    assert.ok(provider.tokens()?.access_token, 'the SDK obtained an access token');
    assert.deepEqual(await toolNames(client), ['atlas-get-cluster', 'atlas-list-clusters', 'atlas-whoami']);
    const who = await client.callTool({ name: 'atlas-whoami', arguments: {} });
    assert.match(text(who), /agent "ci-bot"/);
    assert.match(text(who), /agents\.ci-bot\.match/);
  } finally {
    await client.close();
  }
});

// A pre-registered client running the authorization code flow with PKCE; the
// provider's login is headless, so "the browser" is a loop of fetches.
class HeadlessCodeProvider {
  constructor(issuer) { this.issuer = issuer; this.saved = undefined; this.verifier = undefined; this.code = undefined; }
  get redirectUrl() { return REDIRECT; }
  get clientMetadata() {
    return { client_name: 'e2e-ide', redirect_uris: [REDIRECT], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_basic', scope: 'openid' };
  }
  clientInformation() { return { client_id: 'ide', client_secret: 'ide-secret', issuer: this.issuer }; }
  tokens() { return this.saved; }
  saveTokens(t) { this.saved = t; }
  saveCodeVerifier(v) { this.verifier = v; }
  codeVerifier() { return this.verifier; }
  async redirectToAuthorization(url) {
    let u = url.href;
    for (let i = 0; i < 10; i++) {
      const r = await fetch(u, { redirect: 'manual' });
      const loc = r.headers.get('location');
      assert.ok(loc, `no redirect from ${u}: ${r.status} ${await r.text()}`);
      const next = new URL(loc, u);
      if (next.href.startsWith(REDIRECT)) { this.code = next.searchParams.get('code'); this.landed = next.href; return; }
      u = next.href;
    }
    throw new Error('too many redirects');
  }
}

test('authorization code + PKCE: a person\'s token maps to the agent of their group', async () => {
  const provider = new HeadlessCodeProvider(op.issuer);
  const first = new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider });
  const c1 = new Client({ name: 'e2e-oauth-code', version: '1.0.0' }, { capabilities: {} });
  await assert.rejects(c1.connect(first), UnauthorizedError);
  assert.ok(provider.code, `the login redirected back with a code: ${provider.landed}`);
  await first.finishAuth(provider.code);
  const client = new Client({ name: 'e2e-oauth-code', version: '1.0.0' }, { capabilities: {} });
  await client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider }));
  try {
    assert.deepEqual(await toolNames(client), ['atlas-get-project', 'atlas-list-projects', 'atlas-whoami']);
    const who = await client.callTool({ name: 'atlas-whoami', arguments: {} });
    assert.match(text(who), /agent "sre"/);
    assert.match(text(who), /alice@example\.com/);
  } finally {
    await client.close();
  }
});

test('a token of the right issuer for another resource is refused', async () => {
  const provider = new ClientCredentialsProvider({ clientId: 'elsewhere', clientSecret: 'elsewhere-secret', expectedIssuer: op.issuer });
  const client = new Client({ name: 'e2e-oauth-other', version: '1.0.0' }, { capabilities: {} });
  await assert.rejects(client.connect(new StreamableHTTPClientTransport(new URL(resource), { authProvider: provider })));
});

test('without identity.oauth the 401 invites no OAuth flow and says how to send the header', async () => {
  const plain = await startHTTP(serverEnv(sim, { ATLAS_MCP_CAROL_TOKEN: 'carol-token-0123456789abcdef' }), ['--policy', join(ROOT, 'testdata', 'policies', 'multi-agent.yaml')]);
  try {
    const r = await fetch(`${plain.url}/mcp`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    assert.equal(r.status, 401);
    assert.equal(r.headers.get('www-authenticate'), null);
    assert.match(await r.text(), /Authorization: Bearer <token>/);
    // Hosts that try OAuth anyway end at registration; its answer is the same help.
    const reg = await fetch(`${plain.url}/register`, { method: 'POST', body: '{}' });
    assert.equal(reg.status, 404);
    assert.match(await reg.text(), /claude mcp add --transport http atlas URL --header/);
  } finally {
    plain.stop();
  }
});
