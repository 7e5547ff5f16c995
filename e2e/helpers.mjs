// Helpers for the end-to-end tests: they start the real atlas-mcp binary (the
// simulator as its own process, and the server pointed at it) and connect the
// official MCP TypeScript SDK client to it.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createServer } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ElicitRequestSchema } from '@modelcontextprotocol/sdk/types.js';

export const ROOT = resolve(import.meta.dirname, '..');
export const BIN = process.env.ATLAS_MCP_BIN || join(ROOT, 'bin', 'atlas-mcp');
// The test OpenID provider (internal/identity/testop/cmd/testop), built by scripts/test.
export const TESTOP_BIN = process.env.ATLAS_MCP_TESTOP_BIN || join(ROOT, 'bin', 'testop');
export const DEMO = {
  orgId: '6650a0c0f0a1b2c3d4e5f601',
  projectId: '6650a0c0f0a1b2c3d4e5f602',
  emptyProjectId: '6650a0c0f0a1b2c3d4e5f603',
  clientId: 'mdb_sa_id_sandbox',
  clientSecret: 'mdb_sa_sk_sandbox',
};

const children = new Set();
process.on('exit', () => { for (const c of children) c.kill('SIGKILL'); });

export function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

// waitForLine resolves with the first stderr line matching re.
function waitForLine(child, re, what) {
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`${what} did not start: ${buf}`)), 15000);
    child.stderr.on('data', (d) => {
      buf += d.toString();
      const m = buf.match(re);
      if (m) { clearTimeout(timer); res(m); }
    });
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`${what} exited ${code}: ${buf}`)); });
  });
}

// startSim runs `atlas-mcp sim` on a free loopback port; the simulator's request
// log is read through its debug endpoint so tests can prove what reached "Atlas".
export async function startSim(extra = []) {
  const port = await freePort();
  const child = spawn(BIN, ['sim', '--listen', `127.0.0.1:${port}`, '--cluster-transition', '100ms', ...extra], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  const m = await waitForLine(child, /(https?:\/\/127\.0\.0\.1:\d+)/, 'atlas-mcp sim');
  const url = m[1];
  return {
    url,
    async requests() {
      const r = await fetch(`${url}/_sim/requests`);
      return r.json();
    },
    async reset() { await fetch(`${url}/_sim/requests`, { method: 'DELETE' }); },
    stop() { child.kill('SIGTERM'); children.delete(child); },
  };
}

export function serverEnv(sim, extra = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-mcp-e2e-'));
  return {
    PATH: process.env.PATH,
    HOME: dir,
    MONGODB_ATLAS_BASE_URL: sim.url,
    ATLAS_MCP_APPSERVICES_BASE_URL: `${sim.url}/api/admin/v3.0`,
    MONGODB_ATLAS_CLIENT_ID: DEMO.clientId,
    MONGODB_ATLAS_CLIENT_SECRET: DEMO.clientSecret,
    MONGODB_ATLAS_PROJECT_ID: DEMO.projectId,
    MONGODB_ATLAS_ORG_ID: DEMO.orgId,
    ATLAS_MCP_AUDIT_LOG: join(dir, 'audit.jsonl'),
    ...extra,
  };
}

// stdioClient launches the binary over stdio. onElicit, when given, declares the
// elicitation capability and answers each request.
export async function stdioClient(env, { args = [], onElicit } = {}) {
  const capabilities = onElicit ? { elicitation: {} } : {};
  const client = new Client({ name: 'e2e-ts-sdk', version: '1.0.0' }, { capabilities });
  if (onElicit) client.setRequestHandler(ElicitRequestSchema, (req) => onElicit(req.params));
  const transport = new StdioClientTransport({ command: BIN, args, env, stderr: 'pipe' });
  await client.connect(transport);
  return client;
}

// startHTTP runs the binary with --transport http and resolves once it listens.
export async function startHTTP(env, args = [], port = undefined) {
  port ??= await freePort();
  const child = spawn(BIN, ['--transport', 'http', '--listen', `127.0.0.1:${port}`, ...args], { env, stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  await waitForLine(child, /serving streamable HTTP/, 'atlas-mcp --transport http');
  return {
    url: `http://127.0.0.1:${port}`,
    stop() { child.kill('SIGTERM'); children.delete(child); },
    kill9() { child.kill('SIGKILL'); children.delete(child); },
  };
}

export async function httpClient(url, token) {
  const client = new Client({ name: 'e2e-ts-sdk-http', version: '1.0.0' }, { capabilities: {} });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { Authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

export function text(result) {
  return (result.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
}

// startOP runs the test OpenID provider with the given clients and user and
// resolves with its issuer URL.
export async function startOP(config) {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-mcp-op-'));
  const file = join(dir, 'op.json');
  writeFileSync(file, JSON.stringify(config));
  const child = spawn(TESTOP_BIN, ['--config', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  children.add(child);
  const m = await waitForLine(child, /testop: issuer (http:\/\/127\.0\.0\.1:\d+)/, 'testop');
  return { issuer: m[1], stop() { child.kill('SIGTERM'); children.delete(child); } };
}
