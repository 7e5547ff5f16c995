// The official TypeScript SDK client drives the built binary over stdio.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSim, serverEnv, stdioClient, text, DEMO, ROOT } from './helpers.mjs';
import { join } from 'node:path';

let sim;
before(async () => { sim = await startSim(); });
after(() => sim?.stop());

test('initialize, list tools with explicit hints, read, write, fail', async () => {
  const client = await stdioClient(serverEnv(sim));
  try {
    assert.equal(client.getServerVersion().name, 'atlas-mcp');
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t]));
    for (const name of ['atlas-list-clusters', 'atlas-create-cluster', 'atlas-delete-cluster', 'atlas-list-orgs', 'atlas-whoami']) {
      assert.ok(byName[name], `${name} is listed`);
    }
    const list = byName['atlas-list-clusters'];
    assert.equal(list.annotations.readOnlyHint, true);
    assert.equal(list.annotations.destructiveHint, false);
    assert.equal(list.inputSchema.type, 'object');
    // No output schema by default (structuredContent is still sent): see README, Configuration.
    assert.equal(list.outputSchema, undefined, 'no output schema by default');
    assert.equal(byName['atlas-delete-cluster'].annotations.destructiveHint, true);
    assert.equal(byName['atlas-delete-cluster'].annotations.readOnlyHint, false);

    // Read: the compact table, fenced as untrusted, plus structured content.
    const res = await client.callTool({ name: 'atlas-list-clusters', arguments: {} });
    assert.ok(!res.isError, text(res));
    assert.match(text(res), /NAME\s+TIER\s+PROVIDER\/REGION\s+STATE\s+VERSION/);
    assert.match(text(res), /untrusted-atlas-data/);
    assert.ok(res.structuredContent.totalCount >= 1);
    const first = res.structuredContent.results[0].name;

    // Write: a database user (not destructive, no confirmation by default).
    await sim.reset();
    const created = await client.callTool({ name: 'atlas-create-db-user', arguments: {
      username: 'e2e-user', password: 'e2e-Secret-Passw0rd', roles: [{ roleName: 'readWrite', databaseName: 'app' }],
    } });
    assert.ok(!created.isError, text(created));
    assert.doesNotMatch(JSON.stringify(created), /e2e-Secret-Passw0rd/);
    const posts = (await sim.requests()).filter((r) => r.Method === 'POST' && r.Path.endsWith('/databaseUsers'));
    assert.equal(posts.length, 1);

    // Failing tool: an Atlas 404 arrives as a useful error result.
    const missing = await client.callTool({ name: 'atlas-get-cluster', arguments: { clusterName: 'no-such-cluster' } });
    assert.equal(missing.isError, true);
    assert.match(text(missing), /CLUSTER_NOT_FOUND/);
    assert.match(text(missing), /What to do/);

    // Bad input never reaches the simulator.
    await sim.reset();
    const bad = await client.callTool({ name: 'atlas-get-cluster', arguments: { clusterName: '../../orgs' } });
    assert.equal(bad.isError, true);
    assert.match(text(bad), /clusterName/);
    assert.equal((await sim.requests()).length, 0);

    const wide = await client.callTool({ name: 'atlas-create-access-list', arguments: { cidrBlock: '10.0.0.0/33' } });
    assert.equal(wide.isError, true);
    assert.match(text(wide), /cidrBlock/);
    assert.equal((await sim.requests()).length, 0);
    assert.ok(first);
  } finally {
    await client.close();
  }
});

test('--output-schemas: compact output schemas, and the SDK validates every structuredContent against them', async () => {
  const client = await stdioClient(serverEnv(sim, { ATLAS_MCP_OUTPUT_SCHEMAS: 'true' }));
  try {
    await sim.reset();
    const { tools } = await client.listTools();
    for (const t of tools) assert.equal(t.outputSchema?.type, 'object', `${t.name} has an output schema`);
    // The SDK client checks structuredContent against the listed outputSchema
    // and throws on a mismatch: each call below is that check.
    const calls = [
      ['atlas-list-clusters', {}],
      ['atlas-get-cluster', { clusterName: 'prod-analytics' }],
      ['atlas-list-db-users', { verbose: true }],
      ['atlas-create-access-list', { ipAddress: '203.0.113.77', dryRun: true }],
      ['atlas-create-access-list', { ipAddress: '203.0.113.77' }],
      ['atlas-whoami', {}],
    ];
    for (const [name, args] of calls) {
      const res = await client.callTool({ name, arguments: args });
      assert.ok(!res.isError, `${name}: ${text(res)}`);
      assert.ok(res.structuredContent, `${name} sends structuredContent`);
    }
  } finally {
    await client.close();
  }
});

test('0.0.0.0/0 is refused by the default policy with the rule named, and nothing is sent', async () => {
  const client = await stdioClient(serverEnv(sim));
  try {
    await sim.reset();
    const res = await client.callTool({ name: 'atlas-create-access-list', arguments: { cidrBlock: '0.0.0.0/0', comment: 'open to all' } });
    assert.equal(res.isError, true);
    assert.match(text(res), /Refused by policy rule \S+/);
    assert.match(text(res), /0\.0\.0\.0\/0/);
    assert.equal((await sim.requests()).length, 0);
  } finally {
    await client.close();
  }
});

test('a host with elicitation that accepts: the cluster is deleted', async () => {
  let asked;
  const client = await stdioClient(serverEnv(sim), {
    onElicit: (params) => {
      asked = params;
      return { action: 'accept', content: { confirm: 'e2e-doomed' } };
    },
  });
  try {
    const made = await client.callTool({ name: 'atlas-create-cluster', arguments: { clusterName: 'e2e-doomed', providerName: 'AWS', regionName: 'US_EAST_1', instanceSize: 'M10', wait: true } });
    assert.ok(!made.isError, text(made));
    await sim.reset();
    const res = await client.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'e2e-doomed' } });
    assert.ok(!res.isError, text(res));
    assert.match(asked.message, /e2e-doomed/);
    assert.match(asked.message, /cannot be undone/);
    const dels = (await sim.requests()).filter((r) => r.Method === 'DELETE');
    assert.equal(dels.length, 1);
  } finally {
    await client.close();
  }
});

test('a host with elicitation that declines: nothing is deleted', async () => {
  const client = await stdioClient(serverEnv(sim), { onElicit: () => ({ action: 'decline' }) });
  try {
    const made = await client.callTool({ name: 'atlas-create-cluster', arguments: { clusterName: 'e2e-kept', providerName: 'AWS', regionName: 'US_EAST_1', instanceSize: 'M10', wait: true } });
    assert.ok(!made.isError, text(made));
    await sim.reset();
    const res = await client.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'e2e-kept' } });
    assert.equal(res.isError, true);
    assert.match(text(res), /did not confirm/);
    assert.equal((await sim.requests()).filter((r) => r.Method === 'DELETE').length, 0);
    const still = await client.callTool({ name: 'atlas-get-cluster', arguments: { clusterName: 'e2e-kept' } });
    assert.ok(!still.isError);
  } finally {
    await client.close();
  }
});

test('a host without elicitation: refused by default, two-step token when the policy says so', async () => {
  const plain = await stdioClient(serverEnv(sim));
  try {
    await sim.reset();
    const res = await plain.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'e2e-kept' } });
    assert.equal(res.isError, true);
    assert.match(text(res), /does not support MCP elicitation/);
    assert.equal((await sim.requests()).filter((r) => r.Method === 'DELETE').length, 0);
  } finally {
    await plain.close();
  }

  const tokenClient = await stdioClient(serverEnv(sim, { ATLAS_MCP_POLICY: join(ROOT, 'testdata', 'policies', 'token-confirm.yaml') }));
  try {
    await sim.reset();
    const args = { clusterName: 'e2e-kept' };
    const first = await tokenClient.callTool({ name: 'atlas-delete-cluster', arguments: args });
    assert.equal(first.isError, true);
    const token = first.structuredContent?.confirmationToken;
    assert.match(token, /^cfm_/);
    assert.equal((await sim.requests()).filter((r) => r.Method === 'DELETE').length, 0);
    // The token is bound to the plan: another cluster is refused.
    const other = await tokenClient.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'staging', confirmationToken: token } });
    assert.equal(other.isError, true);
    assert.match(text(other), /confirmationToken/);
    // Used once, the token is gone; ask anew and redeem it with the same arguments.
    const again = await tokenClient.callTool({ name: 'atlas-delete-cluster', arguments: args });
    const token2 = again.structuredContent.confirmationToken;
    const second = await tokenClient.callTool({ name: 'atlas-delete-cluster', arguments: { ...args, confirmationToken: token2 } });
    assert.ok(!second.isError, text(second));
    assert.equal((await sim.requests()).filter((r) => r.Method === 'DELETE').length, 1);
  } finally {
    await tokenClient.close();
  }
});
