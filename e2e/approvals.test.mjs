// Out-of-band approvals with the official TypeScript SDK as a host WITHOUT
// elicitation: a destructive call comes back pending, a person approves it
// with the CLI, and the resumed call runs — once, and only for that plan.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, serverEnv, startHTTP, httpClient, text, BIN } from './helpers.mjs';

const AGENT = 'bot-agent-token-0123456789';
const ALICE = 'alice-approver-token-0123456789';
const sha = (s) => createHash('sha256').update(s).digest('hex');

export function approvalPolicy(extra = '') {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-mcp-approvals-'));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, `agents:
  bot:
    tokenSha256: ${sha(AGENT)}
    grants: [{area: '*', access: [read, write]}]
approvers:
  alice:
    tokenSha256: ${sha(ALICE)}
confirm:
  withoutElicitation: approval
${extra}`);
  return file;
}

// cli runs `atlas-mcp … approvals …` as a person at a terminal would.
function cli(env, policy, args, token = ALICE) {
  const r = spawnSync(BIN, ['--policy', policy, 'approvals', ...args], { env: { ...env, ATLAS_MCP_APPROVER_TOKEN: token }, encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

let sim, srv, env, policy, agent;
before(async () => {
  sim = await startSim();
  policy = approvalPolicy();
  env = serverEnv(sim);
  srv = await startHTTP(env, ['--policy', policy]);
  agent = await httpClient(srv.url, AGENT);
});
after(async () => { await agent?.close(); srv?.stop(); sim?.stop(); });

function pending(res) {
  assert.equal(res.isError, true, text(res));
  assert.equal(res.structuredContent?.status, 'pending', text(res));
  assert.match(res.structuredContent.approvalId, /^apr_[0-9a-f]{32}$/);
  return res.structuredContent;
}

test('destructive call → pending → approved with the CLI → the resumed call runs once', async () => {
  await sim.reset();
  const args = { clusterName: 'staging' };
  const first = pending(await agent.callTool({ name: 'atlas-delete-cluster', arguments: args }));
  assert.equal(first.approvalUrl, `${srv.url.replace('localhost', '127.0.0.1')}/approvals/${first.approvalId}`);
  assert.deepEqual(first.resume, { tool: 'atlas-delete-cluster', arguments: { ...args, approvalId: first.approvalId } });
  assert.equal((await sim.requests()).filter((r) => r.Method === 'DELETE').length, 0);

  const show = cli(env, policy, ['show', first.approvalId]);
  assert.equal(show.code, 0, show.out);
  assert.match(show.out, /Delete cluster staging \(id /);
  const ok = cli(env, policy, ['approve', first.approvalId, '--reason', 'planned cleanup']);
  assert.equal(ok.code, 0, ok.out);

  const run = await agent.callTool({ name: 'atlas-delete-cluster', arguments: first.resume.arguments });
  assert.ok(!run.isError, text(run));
  const deletes = (await sim.requests()).filter((r) => r.Method === 'DELETE');
  assert.equal(deletes.length, 1);
  assert.match(deletes[0].Path, /clusters\/staging/);
  const again = await agent.callTool({ name: 'atlas-delete-cluster', arguments: first.resume.arguments });
  assert.equal(again.isError, true);
  // The second call plans anew: the cluster is DELETING, so planning refuses
  // it; were it still there, the used approval would.
  assert.match(text(again), /already used|DELETING/);
  assert.equal((await sim.requests()).filter((r) => r.Method === 'DELETE').length, 1, 'deleted once');
});

test("an agent presenting its own token to the approval API gets 403", async () => {
  const p = pending(await agent.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'dev-sandbox' } }));
  for (const path of [`/approvals/api/requests/${p.approvalId}/approve`, '/approvals/api/requests']) {
    const r = await fetch(`${srv.url}${path}`, { method: path.endsWith('approve') ? 'POST' : 'GET', headers: { Authorization: `Bearer ${AGENT}`, 'Content-Type': 'application/json' }, body: path.endsWith('approve') ? '{}' : undefined });
    assert.equal(r.status, 403, path);
  }
  const viaCli = cli(env, policy, ['approve', p.approvalId], AGENT);
  assert.notEqual(viaCli.code, 0);
  assert.match(viaCli.out, /agents cannot approve/);
});

test('an approved ID used with a different plan is refused', async () => {
  await sim.reset();
  const p = pending(await agent.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'prod-analytics' } }));
  assert.equal(cli(env, policy, ['approve', p.approvalId]).code, 0);
  const other = await agent.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'dev-sandbox', approvalId: p.approvalId } });
  assert.equal(other.isError, true);
  assert.match(text(other), /given for a different call/);
  const withBackups = await agent.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'prod-analytics', retainBackups: true, approvalId: p.approvalId } });
  assert.equal(withBackups.isError, true, 'an extra argument is a different plan');
  assert.equal((await sim.requests()).filter((r) => r.Method === 'DELETE').length, 0);
});

test('an expired request is refused and recorded', async () => {
  const shortPolicy = approvalPolicy('  approvalTTL: 2s\n');
  const shortEnv = serverEnv(sim);
  const short = await startHTTP(shortEnv, ['--policy', shortPolicy]);
  const c = await httpClient(short.url, AGENT);
  try {
    await sim.reset();
    const p = pending(await c.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'dev-sandbox' } }));
    await new Promise((r) => setTimeout(r, 2500));
    const late = cli(shortEnv, shortPolicy, ['approve', p.approvalId]);
    assert.notEqual(late.code, 0, late.out);
    assert.match(late.out, /expired/);
    const res = await c.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'dev-sandbox', approvalId: p.approvalId } });
    assert.equal(res.isError, true);
    assert.match(text(res), /expired/);
    assert.equal((await sim.requests()).filter((r) => r.Method === 'DELETE').length, 0);
    const records = readFileSync(shortEnv.ATLAS_MCP_AUDIT_LOG, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const rec = records.find((r) => r.approval?.id === p.approvalId && r.confirmation === 'approval_expired');
    assert.ok(rec, 'the refused resume is in the audit log');
    assert.equal(rec.approval.status, 'expired');
    assert.equal(rec.outcome.errorCode, 'APPROVAL_EXPIRED');
    assert.ok(records.find((r) => r.approval?.id === p.approvalId && r.approval.status === 'pending'), 'the request itself is in the audit log');
  } finally {
    await c.close();
    short.stop();
  }
});

const PG = process.env.ATLAS_MCP_TEST_POSTGRES;
if (!PG) console.error('SKIPPED: two binaries on one PostgreSQL store: ATLAS_MCP_TEST_POSTGRES is not set (eval "$(scripts/pg-test-env start)")');
test('two server processes on one PostgreSQL store: asked on A, approved on B, run on A', { skip: PG ? false : 'ATLAS_MCP_TEST_POSTGRES is not set' }, async () => {
  const pgPolicy = approvalPolicy();
  const a = await startHTTP(serverEnv(sim, { ATLAS_MCP_APPROVALS_STORE: PG }), ['--policy', pgPolicy, '--stateless']);
  const b = await startHTTP(serverEnv(sim, { ATLAS_MCP_APPROVALS_STORE: PG }), ['--policy', pgPolicy, '--stateless']);
  const c = await httpClient(a.url, AGENT);
  try {
    await sim.reset();
    const p = pending(await c.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'dev-sandbox' } }));
    const r = await fetch(`${b.url}/approvals/api/requests/${p.approvalId}/approve`, { method: 'POST', headers: { Authorization: `Bearer ${ALICE}`, 'Content-Type': 'application/json' }, body: '{"reason":"from replica B"}' });
    assert.equal(r.status, 200, await r.text());
    const run = await c.callTool({ name: 'atlas-delete-cluster', arguments: p.resume.arguments });
    assert.ok(!run.isError, text(run));
    assert.equal((await sim.requests()).filter((x) => x.Method === 'DELETE').length, 1);
  } finally {
    await c.close();
    a.stop();
    b.stop();
  }
});
