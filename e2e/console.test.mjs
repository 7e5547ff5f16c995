// The approval console in a real browser: Debian's Chromium driven by
// playwright-core. Approvers sign in with their own tokens, read the pending
// delete (the cluster's name, what will be lost), approve — twice where the
// rule asks for two people — and the agent's call then completes; a denial
// fails the call with the approver's reason. An approver from a group claim
// signs in through the test OpenID provider (authorization code + PKCE) and
// approves.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSim, serverEnv, startHTTP, httpClient, text, DEMO, freePort, startOP } from './helpers.mjs';

const CHROMIUM = process.env.ATLAS_MCP_CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT = process.env.ATLAS_MCP_CONSOLE_SCREENSHOT || '';
const SSO_SCREENSHOT = process.env.ATLAS_MCP_CONSOLE_SSO_SCREENSHOT || '';
const AGENT = 'bot-agent-token-0123456789';
const ALICE = 'alice-approver-token-0123456789';
const BOB = 'bob-approver-token-0123456789';
const sha = (s) => createHash('sha256').update(s).digest('hex');

const skip = existsSync(CHROMIUM) ? false : `SKIPPED: no Chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`;
if (skip) console.error(skip);

let sim, srv, agent, browser;
before(async () => {
  if (skip) return;
  const { chromium } = await import('playwright-core');
  const dir = mkdtempSync(join(tmpdir(), 'atlas-mcp-console-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, `agents:
  bot:
    tokenSha256: ${sha(AGENT)}
    grants: [{area: '*', access: [read, write]}]
approvers:
  alice:
    description: on-call DBA
    tokenSha256: ${sha(ALICE)}
  bob:
    tokenSha256: ${sha(BOB)}
confirm:
  withoutElicitation: approval
  rules:
    - tool: atlas-delete-cluster
      projects: [${DEMO.projectId}]
      approvals: 2
      reason: demo-project is production
`);
  sim = await startSim();
  srv = await startHTTP(serverEnv(sim), ['--policy', policy]);
  agent = await httpClient(srv.url, AGENT);
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'] });
});
after(async () => { await browser?.close(); await agent?.close(); srv?.stop(); sim?.stop(); });

async function signIn(token) {
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await ctx.newPage();
  await page.goto(`${srv.url}/approvals/`);
  await page.fill('#token', token);
  await page.click('button[type=submit]');
  return page;
}

test('two approvers approve a production delete in the console; the call completes', { skip }, async () => {
  const args = { clusterName: 'prod-analytics' };
  const first = await agent.callTool({ name: 'atlas-delete-cluster', arguments: args });
  assert.equal(first.structuredContent?.status, 'pending', text(first));
  const id = first.structuredContent.approvalId;
  assert.equal(first.structuredContent.requiredApprovals, 2);

  const alice = await signIn(ALICE);
  assert.match(await alice.textContent('[data-testid=whoami]'), /Signed in as alice/);
  const card = alice.locator(`[data-testid=pending-${id}]`);
  assert.match(await card.textContent(), /prod-analytics/);
  await card.click();
  assert.match(await alice.textContent('h1'), /Delete cluster prod-analytics \(id /);
  const rendering = await alice.textContent('[data-testid=rendering]');
  assert.match(rendering, /all its data/);
  assert.match(rendering, /cannot be undone/i);
  assert.match(await alice.content(), /demo-project is production/);
  if (SCREENSHOT) await alice.screenshot({ path: SCREENSHOT, fullPage: true });
  await alice.click('button.approve');
  await alice.waitForSelector('text=Recorded.');
  assert.match(await alice.textContent('main'), /1 of 2 approvals/);
  assert.match(await alice.textContent('main'), /already decided/);

  const early = await agent.callTool({ name: 'atlas-delete-cluster', arguments: { ...args, approvalId: id } });
  assert.equal(early.isError, true, 'one of two approvers is not enough');
  assert.match(text(early), /2 different people/);

  // Bob follows the link from the pending answer (or a notification): he
  // signs in on the request's page and lands back on it.
  const bob = await (await browser.newContext()).newPage();
  await bob.goto(first.structuredContent.approvalUrl);
  await bob.fill('#token', BOB);
  await bob.click('button[type=submit]');
  assert.match(await bob.textContent('h1'), /prod-analytics/);
  await bob.click('button.approve');
  await bob.waitForSelector('text=Recorded.');
  assert.match(await bob.textContent('[data-testid=status]'), /approved/);

  const done = await agent.callTool({ name: 'atlas-delete-cluster', arguments: { ...args, approvalId: id } });
  assert.ok(!done.isError, text(done));
  const deletes = (await sim.requests()).filter((r) => r.Method === 'DELETE' && r.Path.includes('prod-analytics'));
  assert.equal(deletes.length, 1);
  await alice.context().close();
  await bob.context().close();
});

test('a denial in the console fails the call with the reason', { skip }, async () => {
  const first = await agent.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'staging' } });
  const id = first.structuredContent.approvalId;
  const alice = await signIn(ALICE);
  await alice.goto(`${srv.url}/approvals/${id}`);
  await alice.fill('#reason', 'staging is used by the release train today');
  await alice.click('button.deny');
  await alice.waitForSelector('text=Recorded.');
  assert.match(await alice.textContent('[data-testid=status]'), /denied/);
  const res = await agent.callTool({ name: 'atlas-delete-cluster', arguments: { clusterName: 'staging', approvalId: id } });
  assert.equal(res.isError, true);
  assert.match(text(res), /alice denied .*staging is used by the release train today/);
  await alice.context().close();
});

test('the console cannot be framed and refuses an agent token at sign-in', { skip }, async () => {
  const r = await fetch(`${srv.url}/approvals/`);
  assert.equal(r.headers.get('x-frame-options'), 'DENY');
  assert.match(r.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  const page = await signIn(AGENT);
  assert.match(await page.textContent('main'), /agent's token\. Agents cannot approve/);
  await page.context().close();
});

test('an approver from a group claim signs in with the identity provider and approves', { skip }, async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const op = await startOP({
    clients: [{ id: 'atlas-mcp-console', secret: 'console-secret-0123456789', redirects: [`${base}/approvals/sso/callback`] }],
    user: { subject: 'lee@example.com', name: 'Lee Ortiz', groups: ['dev', 'sre-leads'] },
  });
  const dir = mkdtempSync(join(tmpdir(), 'atlas-mcp-console-sso-'));
  const policy = join(dir, 'policy.yaml');
  writeFileSync(policy, `identity:
  oauth:
    resource: ${base}/mcp
    issuers:
      - issuer: ${op.issuer}
    console:
      clientId: atlas-mcp-console
      redirectURL: ${base}/approvals/sso/callback
agents:
  bot:
    tokenSha256: ${sha(AGENT)}
    grants: [{area: '*', access: [read, write]}]
approvers:
  sre-leads:
    match: { group: sre-leads }
    areas: [clusters]
confirm:
  withoutElicitation: approval
`);
  const env = serverEnv(sim, { ATLAS_MCP_CONSOLE_CLIENT_SECRET: 'console-secret-0123456789' });
  const server = await startHTTP(env, ['--policy', policy], port);
  const bot = await httpClient(server.url, AGENT);
  const ctx = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  try {
    const args = { clusterName: 'dev-sandbox' };
    const first = await bot.callTool({ name: 'atlas-delete-cluster', arguments: args });
    assert.equal(first.structuredContent?.status, 'pending', text(first));
    const id = first.structuredContent.approvalId;

    // The person follows the request's link, and signs in with the
    // identity provider instead of a token.
    const page = await ctx.newPage();
    await page.goto(first.structuredContent.approvalUrl);
    assert.ok(await page.isVisible('#token'), 'the token form stays beside SSO');
    if (SSO_SCREENSHOT) await page.screenshot({ path: SSO_SCREENSHOT.replace(/\.png$/, '-signin.png') });
    await page.click(`text=Sign in with ${op.issuer}`);
    await page.waitForSelector('[data-testid=whoami-person]');
    assert.equal(new URL(page.url()).pathname, `/approvals/${id}`);
    const who = await page.textContent('[data-testid=whoami]');
    assert.match(who, /Signed in as sre-leads/);
    assert.match(who, /Lee Ortiz, subject lee@example\.com, groups dev, sre-leads/);
    assert.match(who, /approvers\.sre-leads\.match/);
    assert.match(await page.textContent('h1'), /Delete cluster dev-sandbox \(id /);
    if (SSO_SCREENSHOT) await page.screenshot({ path: SSO_SCREENSHOT, fullPage: true });
    await page.click('button.approve');
    await page.waitForSelector('text=Recorded.');
    assert.match(await page.textContent('[data-testid=status]'), /approved/);

    const done = await bot.callTool({ name: 'atlas-delete-cluster', arguments: { ...args, approvalId: id } });
    assert.ok(!done.isError, text(done));
    // The audit log names the match rule and the person.
    const records = readFileSync(env.ATLAS_MCP_AUDIT_LOG, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const decision = records.find((r) => r.confirmation === 'approval_decision' && r.approval?.id === id);
    assert.equal(decision?.decision?.rule, 'approvers.sre-leads.match');
    assert.equal(decision.approval.decisions[0].subject, 'lee@example.com');

    // The agent's token is no way into the console, with SSO on too.
    const api = await fetch(`${server.url}/approvals/api/requests`, { headers: { Authorization: `Bearer ${AGENT}` } });
    assert.equal(api.status, 403);
  } finally {
    await ctx.close();
    await bot.close();
    server.stop();
    op.stop();
  }
});
