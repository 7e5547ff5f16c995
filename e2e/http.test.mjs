// The official TypeScript SDK client over streamable HTTP, with two agents.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSim, serverEnv, startHTTP, httpClient, text, ROOT } from './helpers.mjs';

let sim, srv;
before(async () => {
  sim = await startSim();
  srv = await startHTTP(serverEnv(sim, { ATLAS_MCP_CAROL_TOKEN: 'carol-token-0123456789abcdef' }), ['--policy', join(ROOT, 'testdata', 'policies', 'multi-agent.yaml')]);
});
after(() => { srv?.stop(); sim?.stop(); });

test('no token or a wrong token gets 401 before any MCP message', async () => {
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'x', version: '1' } } });
  const headers = { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' };
  const none = await fetch(`${srv.url}/mcp`, { method: 'POST', headers, body });
  assert.equal(none.status, 401);
  const wrong = await fetch(`${srv.url}/mcp`, { method: 'POST', headers: { ...headers, Authorization: 'Bearer not-a-token' }, body });
  assert.equal(wrong.status, 401);
  await assert.rejects(httpClient(srv.url, 'not-a-token'));
});

test('two agents see different tools and get different decisions', async () => {
  const alice = await httpClient(srv.url, 'alice-token');
  const bob = await httpClient(srv.url, 'bob-token');
  try {
    const a = (await alice.listTools()).tools.map((t) => t.name).sort();
    const b = (await bob.listTools()).tools.map((t) => t.name).sort();
    assert.notDeepEqual(a, b);
    const onlyAlice = a.filter((n) => !b.includes(n));
    assert.ok(onlyAlice.length > 0, 'alice sees tools bob does not');
    const hidden = onlyAlice[0];
    const res = await bob.callTool({ name: hidden, arguments: {} });
    assert.equal(res.isError, true);
    assert.match(text(res), /Refused by policy/);

    const who = await alice.callTool({ name: 'atlas-whoami', arguments: {} });
    assert.match(text(who), /alice/);
    const list = await alice.callTool({ name: 'atlas-list-clusters', arguments: {} });
    assert.ok(!list.isError, text(list));
  } finally {
    await alice.close();
    await bob.close();
  }
});

test("a session opened by one agent is refused with another agent's token", async () => {
  const alice = await httpClient(srv.url, 'alice-token');
  try {
    const sid = alice.transport.sessionId;
    assert.ok(sid);
    const r = await fetch(`${srv.url}/mcp`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', Authorization: 'Bearer bob-token', 'Mcp-Session-Id': sid },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/list', params: {} }),
    });
    assert.equal(r.status, 403);
  } finally {
    await alice.close();
  }
});
