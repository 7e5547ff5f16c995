// What a person is shown is the plan: the TypeScript SDK host records each
// elicitation message and the tests check it names what the call will do.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startSim, serverEnv, stdioClient, text, DEMO, ROOT } from './helpers.mjs';

let sim;
before(async () => { sim = await startSim(); });
after(() => sim?.stop());

function recordingHost(answer) {
  const asked = [];
  return {
    asked,
    onElicit: (params) => { asked.push(params); return answer(params); },
  };
}

test('create-api-key: the person sees the org and every role', async () => {
  const host = recordingHost(() => ({ action: 'accept', content: { confirm: true } }));
  const client = await stdioClient(serverEnv(sim), { onElicit: host.onElicit });
  try {
    const res = await client.callTool({ name: 'atlas-create-api-key', arguments: { desc: 'e2e key', roles: ['ORG_OWNER', 'ORG_READ_ONLY'] } });
    assert.ok(!res.isError, text(res));
    assert.equal(host.asked.length, 1);
    const msg = host.asked[0].message;
    assert.match(msg, new RegExp(DEMO.orgId));
    assert.match(msg, /ORG_OWNER/);
    assert.match(msg, /ORG_READ_ONLY/);
    assert.match(msg, /Why you are asked/);
    assert.doesNotMatch(msg, /with the arguments shown/);
  } finally {
    await client.close();
  }
});

test('create-access-list: the person sees every entry and what it opens', async () => {
  const host = recordingHost(() => ({ action: 'decline' }));
  const client = await stdioClient(serverEnv(sim), { onElicit: host.onElicit });
  try {
    await sim.reset();
    const res = await client.callTool({ name: 'atlas-create-access-list', arguments: {
      entries: [{ cidrBlock: '10.20.0.0/16', comment: 'office' }, { cidrBlock: '10.30.0.0/16', comment: 'vpn' }, { ipAddress: '192.0.2.7', comment: 'bastion' }],
    } });
    assert.equal(res.isError, true, 'declined');
    assert.equal(host.asked.length, 1);
    const msg = host.asked[0].message;
    for (const e of ['10.20.0.0/16', '10.30.0.0/16', '192.0.2.7']) assert.match(msg, new RegExp(e.replaceAll('.', '\\.')));
    assert.match(msg, /65,536/);
    assert.equal((await sim.requests()).filter((r) => r.Method === 'POST' && r.Path.endsWith('/accessList')).length, 0, 'nothing was sent');
  } finally {
    await client.close();
  }
});

test('resize: the person sees the tier before and after', async () => {
  const host = recordingHost(() => ({ action: 'accept', content: { confirm: true } }));
  const env = serverEnv(sim, { ATLAS_MCP_POLICY: join(ROOT, 'testdata', 'policies', 'confirm-writes.yaml') });
  const client = await stdioClient(env, { onElicit: host.onElicit });
  try {
    const made = await client.callTool({ name: 'atlas-create-cluster', arguments: { clusterName: 'e2e-resize', providerName: 'AWS', regionName: 'US_EAST_1', instanceSize: 'M10', wait: true } });
    assert.ok(!made.isError, text(made));
    const res = await client.callTool({ name: 'atlas-update-cluster', arguments: { clusterName: 'e2e-resize', instanceSize: 'M30' } });
    assert.ok(!res.isError, text(res));
    const msg = host.asked.at(-1).message;
    assert.match(msg, /M10 × 3[^→\n]*→ M30 × 3/);
    assert.match(msg, /e2e-resize/);
  } finally {
    await client.close();
  }
});
