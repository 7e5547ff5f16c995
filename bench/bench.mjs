// bench.mjs — atlas-mcp against MongoDB's own MCP server (mongodb-mcp-server),
// both pointed at the same `atlas-mcp sim` over TLS and both driven by the same
// real client, the official MCP TypeScript SDK. Run it through bench/run, which
// builds the binary and installs what this needs.
//
//   node bench/bench.mjs [--smoke] [--runs N] [--no-official] [--bin PATH]
//                        [--official DIR] [--out FILE] [--readme FILE]
//   node bench/bench.mjs --startup [--smoke] [--starts N] [--bin PATH] [--onetool PATH]
//
// --startup measures start-up alone (issue 16): process start → tools/list
// answered, beside bench/onetool (a one-tool mcp-go server built in the same
// run), the time from closing stdin to the process's exit, and peak RSS after
// 1,000 stdio calls of a cheap tool.
//
// Every figure is the median over --runs runs. Everything listens on and talks
// to 127.0.0.1 only; every loop is bounded by a count, and the whole run by a
// watchdog. --smoke runs ours only with tiny counts (seconds), so CI exercises
// the whole harness without the official server.
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { createConnection, createServer } from 'node:net';
import os from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

const ROOT = resolve(import.meta.dirname, '..');
const SCRATCH = join(ROOT, 'bench', '.scratch');
const OFFICIAL_VERSION = '3.0.4';
const DEMO = {
  orgId: '6650a0c0f0a1b2c3d4e5f601',
  projectId: '6650a0c0f0a1b2c3d4e5f602',
  clientId: 'mdb_sa_id_sandbox',
  clientSecret: 'mdb_sa_sk_sandbox',
};
const AGENTS = 8; // bench/policy.yaml has agent-1 … agent-8
const agentToken = (i) => `bench-agent-token-${(i % AGENTS) + 1}-0123456789abcdef`;

// ---------------------------------------------------------------- options

function parseArgs(argv) {
  const o = {
    smoke: false,
    runs: 0,
    official: true,
    bin: join(ROOT, 'bin', 'atlas-mcp'),
    officialDir: join(SCRATCH, 'node_modules', 'mongodb-mcp-server'),
    out: '',
    readme: join(ROOT, 'README.md'),
    startup: false,
    starts: 0,
    onetool: join(ROOT, 'bin', 'onetool'),
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    switch (a) {
      case '--smoke': o.smoke = true; break;
      case '--runs': o.runs = Number(next()); break;
      case '--no-official': o.official = false; break;
      case '--bin': o.bin = resolve(next()); break;
      case '--official': o.officialDir = resolve(next()); break;
      case '--out': o.out = resolve(next()); break;
      case '--readme': o.readme = resolve(next()); break;
      case '--startup': o.startup = true; break;
      case '--starts': o.starts = Number(next()); break;
      case '--onetool': o.onetool = resolve(next()); break;
      case '-h': case '--help':
        console.log('usage: node bench/bench.mjs [--smoke] [--runs N] [--no-official] [--bin PATH] [--official DIR] [--out FILE] [--readme FILE]\n       node bench/bench.mjs --startup [--smoke] [--starts N] [--bin PATH] [--onetool PATH]');
        process.exit(0);
        break;
      default: throw new Error(`unknown argument ${a}`);
    }
  }
  if (o.smoke || o.startup) o.official = false;
  if (!o.starts) o.starts = o.smoke ? 3 : 21;
  if (!Number.isInteger(o.starts) || o.starts < 1 || o.starts > 200) throw new Error('--starts must be 1..200');
  if (!o.runs) o.runs = o.smoke ? 1 : 3;
  if (!Number.isInteger(o.runs) || o.runs < 1 || o.runs > 20) throw new Error('--runs must be 1..20');
  if (!o.out) o.out = o.smoke ? join(SCRATCH, 'smoke-results.md') : join(ROOT, 'bench', 'RESULTS.md');
  return o;
}

// Sizes of each measurement. Full: the issue's numbers, bounded so the run
// takes minutes even though MongoDB's server manages only a few calls a second
// here (see RESULTS.md). The first stdio session of a run makes 1,000 calls
// (the peak-RSS figure); later ones fewer, for the latency medians. Smoke:
// enough calls to go through every code path once or twice.
function sizes(smoke) {
  return smoke
    ? { coldStarts: 1, firstSession: 20, laterSessions: 10, concurrency: [8, 64], windowSec: 1,
      tokenTTL: 1, tokenSeconds: 2.5, rlRuns: 1, rlCalls: 40, rlCapacity: 10, rlRefillPerMin: 600, rlWindowSec: 20,
      contextClusters: 50, watchdogSec: 180 }
    : { coldStarts: 5, firstSession: 1000, laterSessions: 200, concurrency: [8, 64], windowSec: 5,
      tokenTTL: 4, tokenSeconds: 20, rlRuns: 1, rlCalls: 2000, rlCapacity: 100, rlRefillPerMin: 3000, rlWindowSec: 90,
      contextClusters: 50, watchdogSec: 1800 };
}

// ---------------------------------------------------------------- processes

const children = new Set();
function killAll() {
  for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } }
  children.clear();
}
process.on('exit', killAll);

function track(child) {
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
}

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => res(port)); });
    s.on('error', rej);
  });
}

// waitForLine resolves with the first stderr match of re, within 20 s.
function waitForLine(child, re, what) {
  return new Promise((res, rej) => {
    let buf = '';
    const timer = setTimeout(() => rej(new Error(`${what} did not start in 20 s: ${buf.slice(-2000)}`)), 20000);
    const onData = (d) => {
      buf += d.toString();
      const m = buf.match(re);
      if (m) { clearTimeout(timer); child.stderr.off('data', onData); child.stderr.resume(); res(m); }
    };
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); rej(new Error(`${what} exited ${code}: ${buf.slice(-2000)}`)); });
  });
}

async function waitForPort(port, what) {
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const ok = await new Promise((res) => {
      const s = createConnection({ host: '127.0.0.1', port }, () => { s.end(); res(true); });
      s.on('error', () => res(false));
    });
    if (ok) return;
    await sleep(50);
  }
  throw new Error(`${what} did not listen on ${port} within 30 s`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function stop(child) {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10000);
  await exited;
  clearTimeout(t);
}

// peakRSS reads the kernel's high-water mark of the process's resident set.
function peakRSS(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const m = status.match(/^VmHWM:\s+(\d+)\s+kB/m);
  if (!m) throw new Error(`no VmHWM for pid ${pid}`);
  return Number(m[1]) * 1024;
}

// ---------------------------------------------------------------- simulator

// startSim runs `atlas-mcp sim` over TLS on a free loopback port. Its buckets
// are opened wide unless a phase says otherwise: the standard set because
// MongoDB's server reads the project and the flex clusters through it on every
// cluster list (and Atlas publishes no number for that set), the clusters set
// because phases run back to back in separate processes and must not inherit
// each other's empty bucket. Our client still paces itself to Atlas's published
// clusters budget (10,000 at once, 5,000 a minute) per process.
async function startSim(o, dir, extra = []) {
  const cert = join(dir, `sim-${Date.now()}-${Math.random().toString(16).slice(2)}.pem`);
  const wide = extra.includes('--clusters-capacity') ? [] : ['--clusters-capacity', '100000000', '--clusters-refill', '100000000'];
  const child = track(spawn(o.bin, ['sim', '--listen', '127.0.0.1:0', '--tls-self-signed', '--tls-cert-out', cert,
    '--cluster-transition', '100ms', '--standard-capacity', '100000000', '--standard-refill', '100000000', ...wide, ...extra],
  { stdio: ['ignore', 'ignore', 'pipe'] }));
  const m = await waitForLine(child, /(https:\/\/127\.0\.0\.1:\d+)/, 'atlas-mcp sim');
  const url = m[1];
  const ca = readFileSync(cert);
  const agent = new https.Agent({ keepAlive: true, ca, maxSockets: 16 });
  const sim = {
    url, cert, ca, agent, child,
    request: (method, path, { headers = {}, body } = {}) => httpsRequest(agent, url, method, path, headers, body),
    async requests() {
      const r = await sim.request('GET', '/_sim/requests');
      return JSON.parse(r.body);
    },
    async reset() { await sim.request('DELETE', '/_sim/requests'); },
    stop: () => stop(child),
  };
  return sim;
}

function httpsRequest(agent, base, method, path, headers, body) {
  return new Promise((res, rej) => {
    const u = new URL(path, base);
    const req = https.request(u, { method, agent, headers }, (resp) => {
      const chunks = [];
      resp.on('data', (c) => chunks.push(c));
      resp.on('end', () => res({ status: resp.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(30000, () => req.destroy(new Error(`${method} ${path}: no answer in 30 s`)));
    req.on('error', rej);
    if (body !== undefined) req.write(body);
    req.end();
  });
}

const isToken = (r) => r.Path === '/api/oauth/token';
const isAuth = (r) => r.Path.startsWith('/api/oauth/');

// ---------------------------------------------------------------- the two servers

// A server kind knows how to start itself over stdio or HTTP against a sim.
function servers(o, dir) {
  const ours = {
    key: 'ours',
    name: 'atlas-mcp',
    env(sim, home) {
      return {
        PATH: process.env.PATH, HOME: home,
        MONGODB_ATLAS_BASE_URL: sim.url,
        MONGODB_ATLAS_CLIENT_ID: DEMO.clientId, MONGODB_ATLAS_CLIENT_SECRET: DEMO.clientSecret,
        MONGODB_ATLAS_PROJECT_ID: DEMO.projectId, MONGODB_ATLAS_ORG_ID: DEMO.orgId,
        ATLAS_MCP_AUDIT_LOG: join(home, 'audit.jsonl'),
        SSL_CERT_FILE: sim.cert, // Go reads extra roots from here on Linux
      };
    },
    stdio(sim, home) {
      return { command: o.bin, args: [], env: this.env(sim, home) };
    },
    async http(sim, home) {
      const port = await freePort();
      const env = this.env(sim, home);
      for (let i = 0; i < AGENTS; i++) env[`BENCH_AGENT_TOKEN_${i + 1}`] = agentToken(i);
      const child = track(spawn(o.bin, ['--transport', 'http', '--listen', `127.0.0.1:${port}`,
        '--policy', join(ROOT, 'bench', 'policy.yaml')], { env, stdio: ['ignore', 'ignore', 'pipe'] }));
      await waitForLine(child, /serving streamable HTTP/, 'atlas-mcp --transport http');
      return { url: `http://127.0.0.1:${port}/mcp`, child, token: agentToken };
    },
  };
  const entry = join(o.officialDir, 'dist', 'esm', 'index.js');
  const theirs = {
    key: 'theirs',
    name: `mongodb-mcp-server ${OFFICIAL_VERSION}`,
    entry,
    env(sim, home) {
      return {
        PATH: process.env.PATH, HOME: home,
        // Its OAuth library refuses a plain-HTTP token endpoint, hence TLS.
        MDB_MCP_API_BASE_URL: `${sim.url}/`,
        MDB_MCP_API_CLIENT_ID: DEMO.clientId, MDB_MCP_API_CLIENT_SECRET: DEMO.clientSecret,
        MDB_MCP_TELEMETRY: 'disabled',
        MDB_MCP_LOGGERS: 'disk', MDB_MCP_LOG_PATH: join(home, 'logs'),
        SSL_CERT_FILE: sim.cert, NODE_EXTRA_CA_CERTS: sim.cert,
      };
    },
    stdio(sim, home) {
      return { command: process.execPath, args: [entry], env: this.env(sim, home) };
    },
    async http(sim, home) {
      const port = await freePort();
      const child = track(spawn(process.execPath, [entry, '--transport', 'http', '--httpHost', '127.0.0.1',
        '--httpPort', String(port)], { env: this.env(sim, home), stdio: ['ignore', 'ignore', 'pipe'] }));
      child.stderr.resume();
      await waitForPort(port, 'mongodb-mcp-server --transport http');
      return { url: `http://127.0.0.1:${port}/mcp`, child, token: () => '' };
    },
  };
  const list = [ours];
  if (o.official) {
    if (!existsSync(entry)) throw new Error(`mongodb-mcp-server not found at ${entry}: run bench/run (it installs it), or pass --no-official`);
    list.push(theirs);
  }
  return list;
}

async function stdioClient(spec) {
  const client = new Client({ name: 'atlas-mcp-bench', version: '1.0.0' }, { capabilities: {} });
  const transport = new StdioClientTransport({ ...spec, stderr: 'ignore' });
  await client.connect(transport);
  return { client, pid: transport.pid };
}

async function httpClient(url, token) {
  const client = new Client({ name: 'atlas-mcp-bench', version: '1.0.0' }, { capabilities: {} });
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  const transport = new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } });
  await client.connect(transport);
  return client;
}

// The tools both servers have, called with the same arguments.
const READ = { name: 'atlas-list-clusters', arguments: { projectId: DEMO.projectId } };
const write = (tag, i) => ({
  name: 'atlas-create-db-user',
  arguments: {
    projectId: DEMO.projectId,
    username: `bench-${tag}-${i}`,
    password: 'Bench-password-0123',
    roles: [{ roleName: 'read', databaseName: 'admin' }],
  },
});
const CALL_TIMEOUT = { timeout: 120000 };

// ---------------------------------------------------------------- statistics

function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const i = Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1));
  return s[i];
}
const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x));
  if (!v.length) return NaN;
  const s = [...v].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

// ---------------------------------------------------------------- phases

// coldStart: process start → initialize → tools/list answered.
async function coldStart(kind, sim, home) {
  const t0 = performance.now();
  const { client } = await stdioClient(kind.stdio(sim, home));
  const tools = await client.listTools();
  const ms = performance.now() - t0;
  await client.close();
  if (!tools.tools.length) throw new Error(`${kind.name}: empty tools/list`);
  return ms;
}

// session: one stdio session of reads then writes — latency of each call, peak
// RSS of the server process, Atlas requests per call, token requests.
async function session(kind, sim, home, calls, tag) {
  const reads = calls >> 1;
  const writes = calls - reads;
  await sim.reset();
  const { client, pid } = await stdioClient(kind.stdio(sim, home));
  await client.listTools();
  const startup = await sim.requests();
  const out = { read: [], write: [], errors: 0, errorSample: '', atlasPerRead: 0, atlasPerWrite: 0, tokens: startup.filter(isToken).length };
  const phase = async (n, mk, lat) => {
    await sim.reset();
    for (let i = 0; i < n; i++) {
      const t = performance.now();
      try {
        const r = await client.callTool(mk(i), undefined, CALL_TIMEOUT);
        if (r.isError) { out.errors++; out.errorSample ||= JSON.stringify(r.content).slice(0, 300); }
      } catch (e) { out.errors++; out.errorSample ||= String(e).slice(0, 300); }
      lat.push(performance.now() - t);
    }
    const reqs = await sim.requests();
    out.tokens += reqs.filter(isToken).length;
    return reqs.filter((r) => !isAuth(r)).length / n;
  };
  out.atlasPerRead = await phase(reads, () => READ, out.read);
  out.atlasPerWrite = await phase(writes, (i) => write(`${kind.key}-${tag}`, i), out.write);
  out.rss = peakRSS(pid);
  out.calls = calls;
  // Ours only: atlas-whoami makes no Atlas call, so its latency is the MCP
  // round trip plus our pipeline (policy, audit record and its fsync): the part
  // of a call's latency that is ours alone.
  out.local = [];
  if (kind.key === 'ours') {
    for (let i = 0; i < Math.min(reads, 200); i++) {
      const t = performance.now();
      const r = await client.callTool({ name: 'atlas-whoami', arguments: {} }, undefined, CALL_TIMEOUT);
      out.local.push(performance.now() - t);
      if (r.isError) { out.errors++; out.errorSample ||= JSON.stringify(r.content).slice(0, 300); }
    }
  }
  await client.close();
  return out;
}

// floor: the same Atlas requests sent straight to the simulator from this
// process over a kept-alive HTTPS connection: what a call cannot go below.
async function floor(sim, calls, tag) {
  const reads = calls >> 1;
  const writes = calls - reads;
  const basic = Buffer.from(`${DEMO.clientId}:${DEMO.clientSecret}`).toString('base64');
  const tok = await sim.request('POST', '/api/oauth/token', {
    headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
    body: 'grant_type=client_credentials',
  });
  if (tok.status !== 200) throw new Error(`floor: token ${tok.status} ${tok.body}`);
  const bearer = JSON.parse(tok.body).access_token;
  const headers = { Authorization: `Bearer ${bearer}`, Accept: 'application/vnd.atlas.2025-03-12+json' };
  const read = [];
  const wr = [];
  for (let i = 0; i < reads; i++) {
    const t = performance.now();
    const r = await sim.request('GET', `/api/atlas/v2/groups/${DEMO.projectId}/clusters`, { headers });
    read.push(performance.now() - t);
    if (r.status !== 200) throw new Error(`floor: list clusters ${r.status} ${r.body.slice(0, 200)}`);
  }
  for (let i = 0; i < writes; i++) {
    const body = JSON.stringify({ ...write(`floor-${tag}`, i).arguments, projectId: undefined, databaseName: 'admin', groupId: DEMO.projectId });
    const t = performance.now();
    const r = await sim.request('POST', `/api/atlas/v2/groups/${DEMO.projectId}/databaseUsers`,
      { headers: { ...headers, 'Content-Type': 'application/json' }, body });
    wr.push(performance.now() - t);
    if (r.status !== 201 && r.status !== 200) throw new Error(`floor: create user ${r.status} ${r.body.slice(0, 200)}`);
  }
  return { read, write: wr };
}

// burst: n sessions over streamable HTTP, each calling the read tool back to
// back, until `total` calls have been started or `windowSec` has passed,
// whichever comes first; calls already started are waited for.
async function burst(kind, srv, sessions, total, windowSec) {
  const clients = [];
  for (let i = 0; i < sessions; i++) clients.push(await httpClient(srv.url, srv.token(i)));
  let started = 0;
  let ok = 0;
  let errors = 0;
  let errorSample = '';
  const t0 = performance.now();
  const open = () => started < total && (performance.now() - t0) / 1000 < windowSec;
  await Promise.all(clients.map(async (c) => {
    while (open()) {
      started++;
      try {
        const r = await c.callTool(READ, undefined, CALL_TIMEOUT);
        if (r.isError) { errors++; errorSample ||= JSON.stringify(r.content).slice(0, 300); } else ok++;
      } catch (e) { errors++; errorSample ||= String(e).slice(0, 300); }
    }
  }));
  const seconds = (performance.now() - t0) / 1000;
  await Promise.all(clients.map((c) => c.close().catch(() => {})));
  return { started, ok, errors, errorSample, seconds, perSecond: ok / seconds };
}

// context: bytes a model reads: tools/list (per tool) and a 50-cluster list.
async function context(kind, sim, home, S) {
  const { client } = await stdioClient(kind.stdio(sim, home));
  const tools = await client.listTools();
  const r = await client.callTool(READ, undefined, CALL_TIMEOUT);
  await client.close();
  const text = (r.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');
  // Distinct cluster names in the text, so a text that left some out is caught.
  const listed = new Set(text.match(/bulk-\d+/g) || []).size;
  if (r.isError || listed < S.contextClusters) {
    console.error(`warning: ${kind.name}'s cluster list text names ${listed} of the ${S.contextClusters} clusters${r.isError ? ' (error result)' : ''}`);
  }
  const toolsBytes = Buffer.byteLength(JSON.stringify(tools));
  return {
    tools: tools.tools.length,
    toolsBytes,
    perTool: toolsBytes / tools.tools.length,
    answerBytes: Buffer.byteLength(JSON.stringify(r)),
    answerTextBytes: Buffer.byteLength(text),
    listed,
  };
}

// tokens: steady use for tokenSeconds against a sim whose tokens live tokenTTL
// seconds; each TTL stands for an hour of real use (Atlas tokens last 1 h).
async function tokenUse(kind, sim, home, S) {
  await sim.reset(); // before the start: one server fetches at start, the other at the first call
  const { client } = await stdioClient(kind.stdio(sim, home));
  const t0 = performance.now();
  let calls = 0;
  let errors = 0;
  const maxCalls = 100000;
  while ((performance.now() - t0) / 1000 < S.tokenSeconds && calls < maxCalls) {
    try {
      const r = await client.callTool(READ, undefined, CALL_TIMEOUT);
      if (r.isError) errors++;
    } catch { errors++; }
    calls++;
    await sleep(20);
  }
  const seconds = (performance.now() - t0) / 1000;
  await client.close();
  const reqs = await sim.requests();
  const tokens = reqs.filter(isToken).length;
  return { tokens, hours: seconds / S.tokenTTL, perHour: tokens / (seconds / S.tokenTTL), calls, errors };
}

// rateLimit: AGENTS sessions burst rlCalls calls into a small clusters bucket.
async function rateLimit(kind, o, dir, home, S) {
  const sim = await startSim(o, dir, ['--clusters-capacity', String(S.rlCapacity), '--clusters-refill', String(S.rlRefillPerMin)]);
  try {
    const srv = await kind.http(sim, home);
    try {
      await sim.reset();
      const b = await burst(kind, srv, AGENTS, S.rlCalls, S.rlWindowSec);
      const reqs = await sim.requests();
      const perSec = S.rlRefillPerMin / 60;
      const possible = Math.min(S.rlCalls, S.rlCapacity + perSec * b.seconds);
      return {
        failed: b.errors, ok: b.ok, started: b.started, seconds: b.seconds, errorSample: b.errorSample, perSecond: b.perSecond,
        share: b.ok / possible,
        rejected429: reqs.filter((r) => r.Status === 429).length,
      };
    } finally { await stop(srv.child); }
  } finally { await sim.stop(); }
}

// ---------------------------------------------------------------- start-up

// startupBench: ours beside a one-tool mcp-go server, started alternately so
// that both see the same load. Cold start is process start → initialize →
// tools/list answered (the client compiles the advertised output schemas
// inside listTools, as a host would); exit is stdin closed → process gone;
// RSS is VmHWM after `calls` stdio calls of a tool that makes no Atlas request
// (atlas-whoami; onetool's ping).
async function startupBench(o) {
  const calls = o.smoke ? 50 : 1000;
  const log = (...a) => console.error('bench:', ...a);
  if (!existsSync(o.onetool)) throw new Error(`${o.onetool} not found: run bench/run --startup (it builds bench/onetool)`);
  mkdirSync(SCRATCH, { recursive: true });
  const dir = mkdtempSync(join(SCRATCH, 'startup-'));
  const sim = await startSim(o, dir);
  try {
    const [ours] = servers(o, dir);
    const home = mkdtempSync(join(dir, 'ours-'));
    const kinds = [
      { key: 'ours', name: 'atlas-mcp', spec: () => ours.stdio(sim, home), cheap: { name: 'atlas-whoami', arguments: {} } },
      { key: 'onetool', name: 'one-tool mcp-go server', spec: () => ({ command: o.onetool, args: [], env: { PATH: process.env.PATH } }), cheap: { name: 'ping', arguments: {} } },
    ];
    const R = { init: { ours: [], onetool: [] }, cold: { ours: [], onetool: [] }, exit: { ours: [], onetool: [] }, rss: {}, tools: {} };
    log(`start-up: ${o.starts} starts each, alternating; then ${calls} calls each`);
    for (let i = 0; i < o.starts; i++) {
      for (const k of i % 2 ? [...kinds].reverse() : kinds) {
        const t0 = performance.now();
        const { client } = await stdioClient(k.spec());
        R.init[k.key].push(performance.now() - t0);
        const tl = await client.listTools();
        R.cold[k.key].push(performance.now() - t0);
        R.tools[k.key] = tl.tools.length;
        const t1 = performance.now();
        await client.close();
        R.exit[k.key].push(performance.now() - t1);
      }
    }
    for (const k of kinds) {
      const { client, pid } = await stdioClient(k.spec());
      await client.listTools();
      for (let i = 0; i < calls; i++) {
        const r = await client.callTool(k.cheap, undefined, CALL_TIMEOUT);
        if (r.isError) throw new Error(`${k.name}: ${k.cheap.name} failed: ${JSON.stringify(r.content).slice(0, 300)}`);
      }
      R.rss[k.key] = peakRSS(pid);
      await client.close();
    }
    const m = (x) => median(x);
    const ratio = m(R.cold.ours) / m(R.cold.onetool);
    let cpu = 'unknown CPU';
    try { cpu = os.cpus()[0].model.trim(); } catch { /* keep */ }
    let ourVersion = '';
    try { ourVersion = execFileSync(o.bin, ['version'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
    const load = os.loadavg().map((x) => x.toFixed(1)).join(' ');
    const md = [
      `Start-up measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} × ${cpu}, load average ${load} at the end, Node ${process.version}; ${ourVersion}. ` +
        `Medians of ${o.starts} starts of each, alternating${o.smoke ? ' (SMOKE: tiny counts, not a measurement)' : ''}. Reproduce: \`bench/run --startup${o.smoke ? ' --smoke' : ''}\`.`,
      '',
      '| measure | atlas-mcp | one-tool mcp-go server | atlas-mcp ÷ one-tool (goal ≤ 1.5) |',
      '| --- | ---: | ---: | ---: |',
      `| tools listed | ${R.tools.ours} | ${R.tools.onetool} | |`,
      `| cold start: process start → tools/list answered (TS SDK) | ${fmt(m(R.cold.ours), 'ms')} | ${fmt(m(R.cold.onetool), 'ms')} | ${fmt(ratio, 'x')} |`,
      `|   of which process start → initialize answered | ${fmt(m(R.init.ours), 'ms')} | ${fmt(m(R.init.onetool), 'ms')} | ${fmt(m(R.init.ours) / m(R.init.onetool), 'x')} |`,
      `|   of which tools/list (the client compiles output schemas here) | ${fmt(m(R.cold.ours) - m(R.init.ours), 'ms')} | ${fmt(m(R.cold.onetool) - m(R.init.onetool), 'ms')} | ${fmt((m(R.cold.ours) - m(R.init.ours)) / (m(R.cold.onetool) - m(R.init.onetool)), 'x')} |`,
      `| exit: stdin closed → process gone | ${fmt(m(R.exit.ours), 'ms')} | ${fmt(m(R.exit.onetool), 'ms')} | ${fmt(m(R.exit.ours) / m(R.exit.onetool), 'x')} |`,
      `| peak RSS after ${calls} stdio calls of a cheap tool (VmHWM; goal ≤ 20 MiB) | ${fmt(R.rss.ours, 'MiB')} | ${fmt(R.rss.onetool, 'MiB')} | ${fmt(R.rss.ours / R.rss.onetool, 'x')} |`,
    ].join('\n');
    console.log(md);
    if (!o.smoke) writeMarked(o.out, md, STARTUP_START, STARTUP_END);
    rmSync(dir, { recursive: true, force: true });
    if (!(ratio > 0) || !(R.rss.ours > 0)) { console.error('bench: FAILED: no start-up figures'); return 1; }
    console.error('bench: ok');
    return 0;
  } finally { await sim.stop(); }
}

const STARTUP_START = '<!-- bench:startup:start (generated by bench/run --startup) -->';
const STARTUP_END = '<!-- bench:startup:end -->';

// writeMarked puts block between the markers of file, appending them if absent.
function writeMarked(file, block, start, end) {
  let text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  text = i >= 0 && j > i
    ? text.slice(0, i + start.length) + '\n' + block + '\n' + text.slice(j)
    : `${text.replace(/\n*$/, '\n')}\n${start}\n${block}\n${end}\n`;
  writeFileSync(file, text);
  console.error(`bench: wrote ${file}`);
}

// ---------------------------------------------------------------- main

async function main() {
  const o = parseArgs(process.argv.slice(2));
  if (o.startup) return startupBench(o);
  const S = sizes(o.smoke);
  const watchdog = setTimeout(() => {
    console.error(`bench: watchdog: still running after ${S.watchdogSec} s; stopping`);
    killAll();
    process.exit(3);
  }, S.watchdogSec * 1000);
  mkdirSync(SCRATCH, { recursive: true });
  const dir = mkdtempSync(join(SCRATCH, 'run-'));
  const kinds = servers(o, dir);
  const log = (...a) => console.error('bench:', ...a);
  const R = {}; // R[metric][kind] = [value per run]
  const put = (metric, kind, v) => { ((R[metric] ||= {})[kind] ||= []).push(v); };
  const notes = [];

  log(`${o.smoke ? 'smoke' : 'full'} run, ${o.runs} run(s); servers: ${kinds.map((k) => k.name).join(', ')}`);
  const sim = await startSim(o, dir);
  try {
    for (let run = 1; run <= o.runs; run++) {
      for (const kind of kinds) {
        const home = mkdtempSync(join(dir, `${kind.key}-`));
        log(`run ${run}: ${kind.name}: cold start ×${S.coldStarts}`);
        const cs = [];
        for (let i = 0; i < S.coldStarts; i++) cs.push(await coldStart(kind, sim, home));
        put('cold', kind.key, median(cs));

        const calls = run === 1 ? S.firstSession : S.laterSessions;
        log(`run ${run}: ${kind.name}: ${calls} calls over stdio (half reads, half writes)`);
        const s = await session(kind, sim, home, calls, `r${run}`);
        if (run === 1) put('rss', kind.key, s.rss);
        put('readP50', kind.key, quantile(s.read, 0.5));
        put('readP99', kind.key, quantile(s.read, 0.99));
        put('writeP50', kind.key, quantile(s.write, 0.5));
        put('writeP99', kind.key, quantile(s.write, 0.99));
        put('atlasPerRead', kind.key, s.atlasPerRead);
        put('atlasPerWrite', kind.key, s.atlasPerWrite);
        put('tokensPerSession', kind.key, s.tokens);
        put('latencyErrors', kind.key, s.errors);
        if (s.local.length) { put('localP50', kind.key, quantile(s.local, 0.5)); put('localP99', kind.key, quantile(s.local, 0.99)); }
        if (s.errors) notes.push(`${kind.name} run ${run}: ${s.errors} of ${s.calls} stdio calls failed, e.g. ${s.errorSample}`);

        // A fresh server process per concurrency level: each starts with a
        // full client-side bucket, as a freshly started replica would.
        for (const c of S.concurrency) {
          log(`run ${run}: ${kind.name}: ${S.windowSec} s of calls over HTTP from ${c} sessions`);
          await sim.reset();
          const srv = await kind.http(sim, home);
          try {
            const b = await burst(kind, srv, c, Infinity, S.windowSec);
            const reqs = await sim.requests();
            put(`tput${c}`, kind.key, b.perSecond);
            put(`tputErr${c}`, kind.key, b.errors);
            put(`tputCalls${c}`, kind.key, b.started);
            put(`tputTokens${c}`, kind.key, reqs.filter(isToken).length);
            put(`httpRSS${c}`, kind.key, peakRSS(srv.child.pid));
            if (b.errors) notes.push(`${kind.name} run ${run}, ${c} sessions: ${b.errors} calls failed, e.g. ${b.errorSample}`);
          } finally { await stop(srv.child); }
        }
      }
      log(`run ${run}: bare HTTPS floor`);
      const f = await floor(sim, run === 1 ? S.firstSession : S.laterSessions, `r${run}`);
      put('readP50', 'floor', quantile(f.read, 0.5));
      put('readP99', 'floor', quantile(f.read, 0.99));
      put('writeP50', 'floor', quantile(f.write, 0.5));
      put('writeP99', 'floor', quantile(f.write, 0.99));
    }
  } finally { await sim.stop(); }

  // Context cost: a fresh sim whose demo project holds exactly 50 clusters.
  const ctxSim = await startSim(o, dir, ['--seed=false', '--bulk-clusters', String(S.contextClusters)]);
  try {
    for (const kind of kinds) {
      log(`${kind.name}: context cost`);
      const c = await context(kind, ctxSim, mkdtempSync(join(dir, `${kind.key}-ctx-`)), S);
      put('tools', kind.key, c.tools);
      put('toolsBytes', kind.key, c.toolsBytes);
      put('perTool', kind.key, c.perTool);
      put('answerBytes', kind.key, c.answerBytes);
      put('answerTextBytes', kind.key, c.answerTextBytes);
      put('listed', kind.key, c.listed);
    }
  } finally { await ctxSim.stop(); }

  // Token requests per hour of use, with the clock compressed through the TTL.
  const tokSim = await startSim(o, dir, ['--token-ttl', `${S.tokenTTL}s`]);
  try {
    for (const kind of kinds) {
      log(`${kind.name}: token use over ${S.tokenSeconds} s with ${S.tokenTTL} s tokens`);
      const t = await tokenUse(kind, tokSim, mkdtempSync(join(dir, `${kind.key}-tok-`)), S);
      put('tokensPerHour', kind.key, t.perHour);
      put('tokenErrors', kind.key, t.errors);
      put('tokenCalls', kind.key, t.calls);
      if (t.errors) notes.push(`${kind.name}: ${t.errors} of ${t.calls} calls failed during the token run`);
    }
  } finally { await tokSim.stop(); }

  // Rate-limit efficiency: fresh sim and server each time; S.rlRuns times (it
  // takes the better part of a minute per server).
  for (let run = 1; run <= S.rlRuns; run++) {
    for (const kind of kinds) {
      log(`run ${run}: ${kind.name}: ${AGENTS} agents burst ${S.rlCalls} calls into a ${S.rlCapacity}-capacity bucket refilled ${S.rlRefillPerMin / 60}/s`);
      const r = await rateLimit(kind, o, dir, mkdtempSync(join(dir, `${kind.key}-rl-`)), S);
      put('rlFailed', kind.key, r.failed);
      put('rlShare', kind.key, r.share);
      put('rl429', kind.key, r.rejected429);
      put('rlRate', kind.key, r.perSecond);
      put('rlStarted', kind.key, r.started);
      if (r.failed) notes.push(`${kind.name} run ${run}, rate limit: ${r.failed} of ${S.rlCalls} calls failed, e.g. ${r.errorSample}`);
    }
  }

  clearTimeout(watchdog);
  const md = report(o, S, kinds, R, notes);
  console.log(md);
  writeResults(o, md);
  if (!o.smoke) updateReadme(o, md);
  rmSync(dir, { recursive: true, force: true });
  return check(o, S, R);
}

// ---------------------------------------------------------------- report

function fmt(v, unit) {
  if (!Number.isFinite(v)) return 'n/a';
  switch (unit) {
    case 'ms': return v < 10 ? `${v.toFixed(2)} ms` : `${v.toFixed(1)} ms`;
    case 'MiB': return `${(v / 1048576).toFixed(1)} MiB`;
    case 'B': return `${Math.round(v).toLocaleString('en-US')} B`;
    case '%': return `${(v * 100).toFixed(1)} %`;
    case '/s': return `${v.toFixed(0)}/s`;
    case 'x': return v.toFixed(2);
    default: return Number.isInteger(v) ? String(v) : v.toFixed(2);
  }
}

function report(o, S, kinds, R, notes) {
  const theirs = kinds.find((k) => k.key === 'theirs');
  const med = (m, k) => median((R[m] || {})[k] || []);
  // ratio is "how many times better ours is": >1 favours ours.
  const rows = [
    ['Cold start: process start → tools/list answered', 'cold', 'ms', 'lower'],
    [`Peak RSS over ${S.firstSession} tool calls (stdio, VmHWM; first run)`, 'rss', 'MiB', 'lower'],
    ['Read tool (atlas-list-clusters) latency p50', 'readP50', 'ms', 'lower'],
    ['Read tool latency p99', 'readP99', 'ms', 'lower'],
    ['Write tool (atlas-create-db-user) latency p50', 'writeP50', 'ms', 'lower'],
    ['Write tool latency p99', 'writeP99', 'ms', 'lower'],
    ...S.concurrency.flatMap((c) => [
      [`Throughput, streamable HTTP, ${c} sessions (calls/s)`, `tput${c}`, '/s', 'higher'],
      [`  calls made in ${S.windowSec} s`, `tputCalls${c}`, '', 'higher'],
      [`  failed calls`, `tputErr${c}`, '', 'lower'],
      [`  token requests (server start + the run)`, `tputTokens${c}`, '', 'lower'],
      [`  peak RSS of the HTTP server`, `httpRSS${c}`, 'MiB', 'lower'],
    ]),
    ['tools/list: tools', 'tools', '', ''],
    ['tools/list: bytes per tool', 'perTool', 'B', 'lower'],
    ['tools/list: bytes in all', 'toolsBytes', 'B', 'lower'],
    [`Answer to "list ${S.contextClusters} clusters": bytes (whole result)`, 'answerBytes', 'B', 'lower'],
    [`Answer to "list ${S.contextClusters} clusters": bytes of text content`, 'answerTextBytes', 'B', 'lower'],
    ['Atlas requests per read call', 'atlasPerRead', '', 'lower'],
    ['Atlas requests per write call', 'atlasPerWrite', '', 'lower'],
    ['Token requests per stdio session (start + the calls above)', 'tokensPerSession', '', 'lower'],
    [`Token requests per hour of use (one process; ${S.tokenSeconds} s of calls with ${S.tokenTTL} s tokens = ${S.tokenSeconds / S.tokenTTL} token lifetimes)`, 'tokensPerHour', '', 'lower'],
    ['  calls that failed during that run (e.g. on an expired token)', 'tokenErrors', '', 'lower'],
    [`Rate limit: calls made (of ${S.rlCalls}; stopped after ${S.rlWindowSec} s)`, 'rlStarted', '', 'higher'],
    ['Rate limit: failed calls (goal 0)', 'rlFailed', '', 'lower'],
    [`Rate limit: successful calls/s (bucket: ${S.rlCapacity} at once, then ${S.rlRefillPerMin / 60}/s)`, 'rlRate', '/s', 'higher'],
    ['Rate limit: achieved rate ÷ bucket rate (goal ≥ 95 %)', 'rlShare', '%', 'higher'],
    ['Rate limit: 429 answers the simulator gave', 'rl429', '', 'lower'],
  ];
  const lines = [];
  const head = theirs ? `| measure | atlas-mcp (ours) | ${theirs.name} (theirs) | ratio (× in our favour) |` : '| measure | atlas-mcp (ours) |';
  lines.push(head, theirs ? '| --- | ---: | ---: | ---: |' : '| --- | ---: |');
  for (const [label, m, unit, better] of rows) {
    const a = med(m, 'ours');
    if (!theirs) { lines.push(`| ${label} | ${fmt(a, unit)} |`); continue; }
    const b = med(m, 'theirs');
    let ratio = '';
    if (better && Number.isFinite(a) && Number.isFinite(b)) {
      if (better === 'lower') ratio = a === 0 && b === 0 ? '=' : a === 0 ? '∞' : (b / a).toFixed(1) + '×';
      else ratio = b === 0 ? (a > 0 ? '∞' : '=') : (a / b).toFixed(2) + '×';
    }
    lines.push(`| ${label} | ${fmt(a, unit)} | ${fmt(b, unit)} | ${ratio} |`);
  }
  const fl = [];
  fl.push('', 'Per-call overhead over the physical floor (the same Atlas request sent straight to the simulator over a kept-alive HTTPS connection from the client process):', '');
  fl.push(theirs ? '| latency | floor | ours | ours ÷ floor | theirs | theirs ÷ floor |' : '| latency | floor | ours | ours ÷ floor |');
  fl.push(theirs ? '| --- | ---: | ---: | ---: | ---: | ---: |' : '| --- | ---: | ---: | ---: |');
  for (const [label, m] of [['read p50', 'readP50'], ['read p99', 'readP99'], ['write p50', 'writeP50'], ['write p99', 'writeP99']]) {
    const f = med(m, 'floor');
    const a = med(m, 'ours');
    let row = `| ${label} | ${fmt(f, 'ms')} | ${fmt(a, 'ms')} | ${fmt(a / f, 'x')} |`;
    if (theirs) { const b = med(m, 'theirs'); row += ` ${fmt(b, 'ms')} | ${fmt(b / f, 'x')} |`; }
    fl.push(row);
  }
  let cpu = 'unknown CPU';
  try { cpu = os.cpus()[0].model.trim(); } catch { /* keep */ }
  let goVersion = '';
  try { goVersion = execFileSync('go', ['version'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
  let ourVersion = '';
  try { ourVersion = execFileSync(o.bin, ['version'], { encoding: 'utf8' }).trim(); } catch { /* none */ }
  const meta = [
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.cpus().length} × ${cpu}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, ` +
      `Node ${process.version}, ${goVersion}; ${ourVersion}${theirs ? `; ${theirs.name} from npm` : ''}. ` +
      `Medians of ${o.runs} run(s)${o.smoke ? ' (SMOKE: tiny counts, not a measurement)' : ''}. ` +
      `Client: @modelcontextprotocol/sdk; both servers against one \`atlas-mcp sim\` over TLS on 127.0.0.1; client, server and simulator share the machine's cores.`,
    `Reproduce: \`bench/run${o.smoke ? ' --smoke' : ''}${o.runs !== (o.smoke ? 1 : 3) ? ` --runs ${o.runs}` : ''}\`.`,
  ];
  fl.push('', `Ours without Atlas: atlas-whoami (MCP round trip over stdio + policy + audit record with fsync, no Atlas request) p50 ${fmt(med('localP50', 'ours'), 'ms')}, p99 ${fmt(med('localP99', 'ours'), 'ms')}.`);
  const out = [...meta, '', ...lines, ...fl];
  if (notes.length) out.push('', 'Failures seen during the run:', '', ...[...new Set(notes)].slice(0, 20).map((n) => `- ${n.replace(/\|/g, '\\|').replace(/\n/g, ' ')}`));
  return out.join('\n');
}

const START = '<!-- bench:start (generated by bench/run; edit outside these markers) -->';
const END = '<!-- bench:end -->';

function spliceMarked(text, block) {
  const i = text.indexOf(START);
  const j = text.indexOf(END);
  if (i < 0 || j < i) return null;
  return text.slice(0, i + START.length) + '\n' + block + '\n' + text.slice(j);
}

function writeResults(o, md) {
  let text = existsSync(o.out) ? readFileSync(o.out, 'utf8') : '';
  const spliced = spliceMarked(text, md);
  text = spliced ?? `# Benchmark results\n\n${START}\n${md}\n${END}\n`;
  writeFileSync(o.out, text);
  console.error(`bench: wrote ${o.out}`);
}

function updateReadme(o, md) {
  if (!existsSync(o.readme)) return;
  const spliced = spliceMarked(readFileSync(o.readme, 'utf8'), md);
  if (spliced === null) { console.error(`bench: ${o.readme} has no bench markers; not updated`); return; }
  writeFileSync(o.readme, spliced);
  console.error(`bench: updated ${o.readme}`);
}

// check fails the run when our own server misbehaved: any failed call outside
// the rate-limit phase (there, failures are the measurement), or a figure that
// was not produced. The smoke run in CI relies on this.
function check(o, S, R) {
  const problems = [];
  if (median((R.listed || {}).ours || []) < S.contextClusters) problems.push(`our cluster list did not name all ${S.contextClusters} clusters`);
  const want = ['cold', 'rss', 'readP50', 'writeP50', 'perTool', 'answerBytes', 'atlasPerRead', 'tokensPerHour', 'rlShare',
    ...[8, 64].map((c) => `tput${c}`)];
  for (const m of want) {
    const v = median((R[m] || {}).ours || []);
    if (!Number.isFinite(v)) problems.push(`no figure for ${m}`);
  }
  for (const m of ['latencyErrors', 'tputErr8', 'tputErr64']) {
    const v = ((R[m] || {}).ours || []).reduce((a, b) => a + b, 0);
    if (v > 0) problems.push(`${v} of our calls failed (${m})`);
  }
  if (problems.length) {
    console.error(`bench: FAILED: ${problems.join('; ')}`);
    return 1;
  }
  console.error('bench: ok');
  return 0;
}

main().then((code) => { killAll(); process.exit(code); }, (e) => {
  console.error('bench:', e.stack || e);
  killAll();
  process.exit(2);
});
