// kill -9 in the middle of a burst of calls leaves an audit log whose every
// complete line verifies.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSim, serverEnv, startHTTP, httpClient, BIN, ROOT } from './helpers.mjs';

test('kill -9 during concurrent calls: every complete audit line verifies', async () => {
  const sim = await startSim();
  const env = serverEnv(sim, { ATLAS_MCP_CAROL_TOKEN: 'carol-token-0123456789abcdef' });
  const srv = await startHTTP(env, ['--policy', join(ROOT, 'testdata', 'policies', 'multi-agent.yaml')]);
  try {
    const clients = await Promise.all(Array.from({ length: 8 }, () => httpClient(srv.url, 'alice-token')));
    let stop = false;
    let done = 0;
    const loops = clients.map(async (c) => {
      while (!stop) {
        try {
          await c.callTool({ name: 'atlas-list-clusters', arguments: {} });
          done++;
        } catch {
          return; // the server is gone
        }
      }
    });
    while (done < 200) await new Promise((r) => setTimeout(r, 20));
    srv.kill9();
    stop = true;
    await Promise.all(loops);

    const verify = spawnSync(BIN, ['audit', 'verify', env.ATLAS_MCP_AUDIT_LOG], { encoding: 'utf8' });
    assert.equal(verify.status, 0, verify.stdout + verify.stderr);
    assert.match(verify.stdout, /^OK: \d+ record/m);
    const lines = readFileSync(env.ATLAS_MCP_AUDIT_LOG, 'utf8').split('\n').filter(Boolean);
    assert.ok(lines.length >= done, `${lines.length} records for ${done} answered calls`);
  } finally {
    srv.stop();
    sim.stop();
  }
});
