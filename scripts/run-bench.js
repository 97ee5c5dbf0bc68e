#!/usr/bin/env node
// `npm run bench`: compiles the project and bench/ into .bench/dist, runs every benchmark in a
// process of its own, then prints the results against the targets and CPU profile summaries.
//
//   npm run bench                       full size (about five minutes)
//   npm run bench -- --quick            smaller counts and shorter runs
//   npm run bench -- --only=http,latency --no-profile
//
// Sizes can also be set one by one through the BENCH_* variables each benchmark documents.
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const buildDir = join(root, '.bench', 'dist');
const BENCHMARKS = [
  'http',
  'naive',
  'throughput',
  'latency',
  'replay',
  'queries',
  'nats-relay',
  'grpc',
  'postgres-http',
];

const QUICK = {
  BENCH_EVENTS: '100000',
  BENCH_HTTP_SECONDS: '3',
  BENCH_HTTP_ROUNDS: '1',
  BENCH_HTTP_WARMUP_SECONDS: '1',
  BENCH_NAIVE_EVENTS: '2000',
  BENCH_LATENCY_SECONDS: '3',
  BENCH_PROFILE_EVENTS: '30000',
  BENCH_PROFILE_HTTP_SECONDS: '3',
  BENCH_REPLAY_EVENTS: '100000',
  BENCH_NATS_EVENTS: '100000',
  BENCH_GRPC_EVENTS: '5000',
  BENCH_QUERY_SIZES: '10000,100000',
  BENCH_QUERY_SAMPLES: '100',
  BENCH_PG_SECONDS: '3',
  BENCH_PG_ROUNDS: '1',
  BENCH_PG_WARMUP_SECONDS: '1',
};

const { values: options } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    'no-profile': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (options.help) {
  process.stdout.write(
    [
      'usage: npm run bench -- [--quick] [--only=http,naive,throughput,latency,replay,queries,nats-relay,grpc,postgres-http] [--no-profile]',
      '',
      '  --quick        100k events, 3 s HTTP runs, 2k naive events, 3 s latency run',
      '  --only=LIST    run only these benchmarks (comma-separated)',
      '  --no-profile   skip the CPU-profiled runs',
      '',
    ].join('\n'),
  );
  process.exit(0);
}

const selected = options.only
  ? options.only.split(',').map((name) => name.trim())
  : BENCHMARKS;
for (const name of selected) {
  if (!BENCHMARKS.includes(name)) {
    console.error(
      `unknown benchmark ${name}; choose from ${BENCHMARKS.join(', ')}`,
    );
    process.exit(2);
  }
}

const env = { ...process.env };
// HTTP benchmarks call the API with a key, as clients do: API_KEY, or a key made for this run.
env.API_KEY ||= `nesk_${randomBytes(32).toString('base64url')}`;
if (options.quick) {
  for (const [key, value] of Object.entries(QUICK)) env[key] ??= value;
}

const stamp = new Date().toISOString().replace(/[:.]/g, '-');
const runDir = join(root, '.bench', 'results', stamp);
mkdirSync(runDir, { recursive: true });

/** The benchmark process running now, stopped by PID when this script is interrupted. */
let current;
for (const name of ['SIGINT', 'SIGTERM']) {
  process.on(name, () => {
    if (current) {
      try {
        process.kill(current.pid, 'SIGTERM');
      } catch {
        // already gone
      }
    }
    process.exit(130);
  });
}

/** Runs a command; resolves with its exit code, killing it by PID when it outlives `timeoutMs`. */
function run(command, args, { timeoutMs, extraEnv = {}, capture = false }) {
  return new Promise((resolvePromise) => {
    const child = spawn(command, args, {
      cwd: root,
      env: { ...env, ...extraEnv },
      stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
    });
    current = child;
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    let killer;
    const signal = (name) => {
      try {
        process.kill(child.pid, name);
      } catch {
        // already gone
      }
    };
    const timer = setTimeout(() => {
      console.error(
        `! ${args.join(' ')} ran past ${timeoutMs} ms; stopping it`,
      );
      signal('SIGTERM');
      killer = setTimeout(() => signal('SIGKILL'), 10_000);
    }, timeoutMs);
    child.on('exit', (code, killedBy) => {
      current = undefined;
      clearTimeout(timer);
      clearTimeout(killer);
      resolvePromise({ code: code ?? (killedBy ? 1 : 0), output });
    });
  });
}

async function compile() {
  process.stderr.write('compiling with tsc into .bench/dist ...\n');
  rmSync(buildDir, { recursive: true, force: true });
  const started = Date.now();
  const { code, output } = await run(
    process.execPath,
    [
      join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
      '-p',
      'tsconfig.json',
      '--outDir',
      buildDir,
    ],
    { timeoutMs: 300_000, capture: true },
  );
  if (code !== 0) {
    process.stderr.write(output);
    if (!existsSync(join(buildDir, 'bench', 'http.bench.js'))) {
      console.error('compilation failed');
      process.exit(1);
    }
    process.stderr.write(
      'tsc reported the errors above but emitted the code; benchmarking it as it is\n',
    );
  }
  process.stderr.write(`compiled in ${Date.now() - started} ms\n`);
}

/** Machine-wide CPU counters (Linux), to tell how busy the machine was during a run. */
function cpuTimes() {
  try {
    const fields = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]
      .trim()
      .split(/\s+/)
      .slice(1, 9) // user nice system idle iowait irq softirq steal
      .map(Number);
    const total = fields.reduce((sum, value) => sum + value, 0);
    const idle = fields[3] + (fields[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** Runs bench/<name>.bench.js in a process of its own; returns its JSON result. */
async function benchmark(
  name,
  { file = name, extraEnv = {}, execArgv = [] } = {},
) {
  const resultFile = join(runDir, `${file}.json`);
  const before = loadavg()[0];
  const cpuBefore = cpuTimes();
  const started = Date.now();
  process.stderr.write(`\n== ${file} ==\n`);
  const { code } = await run(
    process.execPath,
    [...execArgv, join(buildDir, 'bench', `${name}.bench.js`)],
    {
      timeoutMs: 20 * 60_000,
      extraEnv: { ...extraEnv, BENCH_RESULT_FILE: resultFile },
    },
  );
  if (code !== 0 || !existsSync(resultFile)) {
    console.error(`! ${file} failed (exit code ${code})`);
    return undefined;
  }
  const result = JSON.parse(readFileSync(resultFile, 'utf8'));
  const cpuAfter = cpuTimes();
  result.conditions = {
    wallMs: Date.now() - started,
    loadBefore: round(before, 2),
    loadAfter: round(loadavg()[0], 2),
    machineBusyCores:
      cpuBefore && cpuAfter
        ? round(
            ((cpuAfter.busy - cpuBefore.busy) /
              Math.max(1, cpuAfter.total - cpuBefore.total)) *
              cpus().length,
            2,
          )
        : undefined,
  };
  writeFileSync(resultFile, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

/** The HTTP benchmark's profiled sides (PROFILED_ROUTES in bench/http.bench.ts), by summary key. */
const HTTP_PROFILE_KEYS = {
  publish: 'httpPublish',
  live: 'httpLive',
  list: 'httpList',
};

async function profiles() {
  const { newestProfile, summarizeProfile } = await import(
    pathToFileURL(join(buildDir, 'bench', 'cpu-profile.js')).href
  );
  const summaries = {};
  if (selected.includes('throughput')) {
    const dir = join(runDir, 'profiles', 'throughput');
    const result = await benchmark('throughput', {
      file: 'throughput-profile',
      extraEnv: {
        BENCH_EVENTS: env.BENCH_PROFILE_EVENTS ?? '100000',
        BENCH_SQL_STATS: '1',
      },
      execArgv: ['--cpu-prof', `--cpu-prof-dir=${dir}`],
    });
    if (result) {
      summaries.throughput = {
        events: result.events,
        eventsPerSec: result.eventsPerSec,
        statements: result.statements,
        ...summarizeProfile(newestProfile(dir), result.window),
      };
    }
  }
  if (selected.includes('http')) {
    const dir = join(runDir, 'profiles', 'http');
    const result = await benchmark('http', {
      file: 'http-profile',
      extraEnv: {
        BENCH_PROFILE_DIR: dir,
        BENCH_HTTP_SECONDS: env.BENCH_PROFILE_HTTP_SECONDS ?? '5',
      },
    });
    if (result) {
      const file = newestProfile(dir);
      for (const [side, key] of Object.entries(HTTP_PROFILE_KEYS)) {
        if (!result[side]) continue;
        const { run: measured, window } = result[side];
        summaries[key] = {
          reqPerSec: measured.reqPerSec,
          serverCpuShare: measured.serverCpuShare,
          requests: measured.ok,
          ...summarizeProfile(file, window),
        };
      }
    }
  }
  return summaries;
}

// ---------------------------------------------------------------- formatting

function round(value, digits = 0) {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function number(value, digits = 0) {
  return Number.isFinite(value)
    ? value.toLocaleString('en-US', {
        minimumFractionDigits: digits,
        maximumFractionDigits: digits,
      })
    : 'n/a';
}

function ms(value) {
  return `${number(value, value < 10 ? 2 : 1)} ms`;
}

function verdict(met) {
  return met ? 'met' : 'NOT met';
}

function table(headers, rows) {
  const widths = headers.map((header, column) =>
    Math.max(header.length, ...rows.map((row) => String(row[column]).length)),
  );
  const line = (cells) =>
    `| ${cells.map((cell, column) => String(cell).padEnd(widths[column])).join(' | ')} |`;
  return [
    line(headers),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

function resultRows(results) {
  const rows = [];
  const { http, naive, throughput, latency, replay, grpc } = results;
  const natsRelay = results['nats-relay'];
  if (http) {
    const side = (s) =>
      `${number(s.reqPerSec)} req/s, p50 ${ms(s.latencyP50)}, p99 ${ms(s.latencyP99)}, server CPU ${number(s.serverCpuShare, 2)} cores, ${number(s.cpuMicrosPerRequest)} us CPU/req`;
    const runs = `median of ${http.rounds} x ${http.seconds} s, ${http.connections} conns`;
    rows.push([
      'HTTP',
      `bare NestJS + Fastify, ${http.sides.bare.route} (${runs})`,
      side(http.sides.bare),
      '',
      '',
    ]);
    for (const [name, label, target] of [
      ['publish', 'app as shipped (log info)', 0.7],
      ['live', 'app as shipped (log info)', 0.9],
      ['list', 'app as shipped (log info)', 0.5],
      ['users', 'app as shipped (log info)', undefined],
      ['publishSilent', 'app with log silent', undefined],
    ]) {
      const s = http.sides[name];
      const ratio = http.ratios[name];
      rows.push([
        'HTTP',
        `${label}, ${s.route} / bare`,
        `${number(ratio, 2)}x req/s, ${number(http.cpuRatios[name], 2)}x by CPU/req (${side(s)})${s.invalidRuns ? `; ${s.invalidRuns} INVALID run(s) left out` : ''}`,
        target === undefined ? '' : `>= ${number(target, 2)}x`,
        target === undefined ? '' : verdict(ratio >= target),
      ]);
    }
    rows.push([
      'HTTP',
      'request log at info: share of POST /events throughput (vs silent)',
      `${number(http.loggingCost * 100, 1)}% of req/s; ${number(http.loggingCpuCost * 100, 1)}% of CPU/req`,
      '<= 15%',
      verdict(http.loggingCost <= 0.15),
    ]);
  }
  if (naive) {
    rows.push(
      [
        'Naive',
        `repository.save per event + 4 inline handlers (${number(naive.events)} events, ${naive.concurrency} publishers)`,
        `${number(naive.naive.eventsPerSec)} events/s`,
        '',
        '',
      ],
      [
        'Naive',
        `EventBus.publish, createApp (${naive.ours.subscriptions.length} subscriptions)`,
        `${number(naive.ours.eventsPerSec)} events/s acked; ${number(naive.ours.handledPerSec)} events/s handled by all`,
        '',
        '',
      ],
      [
        'Naive',
        'ours (createApp) / naive',
        `${number(naive.ratio, 1)}x acked; ${number(naive.ratioHandled, 1)}x handled`,
        '>= 5x',
        verdict(naive.ratio >= 5),
      ],
      [
        'Naive',
        `EventBus.publish, platform only (${naive.platform.subscriptions.length} subscriptions)`,
        `${number(naive.platform.eventsPerSec)} events/s acked; ${number(naive.platform.handledPerSec)} events/s handled by all`,
        '',
        '',
      ],
      [
        'Naive',
        'ours (platform only) / naive',
        `${number(naive.platformRatio, 1)}x acked`,
        '(for comparison)',
        '',
      ],
    );
  }
  if (throughput) {
    const complete = throughput.complete ? '' : ' (INCOMPLETE: time bound hit)';
    rows.push(
      [
        'Throughput',
        `${number(throughput.events)} events, batches of ${throughput.batchSize}, ${throughput.inFlight} in flight: committed`,
        `${number(throughput.committedPerSec)} events/s (${number(throughput.committedMs / 1000, 1)} s)${complete}`,
        '',
        '',
      ],
      [
        'Throughput',
        `committed and at every position of the ${throughput.subscriptions.length} subscriptions`,
        `${number(throughput.eventsPerSec)} events/s (${number(throughput.handledMs / 1000, 1)} s, CPU ${number(throughput.cpuShare, 2)} cores)`,
        '>= 50,000 events/s',
        verdict(throughput.eventsPerSec >= 50_000 && throughput.complete),
      ],
      [
        'Throughput',
        'peak RSS (sampled every 100 ms)',
        `${number(throughput.peakRssMb, 1)} MB (after boot ${number(throughput.baselineRssMb, 1)} MB; peak heap used ${number(throughput.peakHeapUsedMb, 1)} MB)`,
        '<= 250 MB',
        verdict(throughput.peakRssMb <= 250),
      ],
    );
  }
  const capped = results.throughputHeapCapped;
  if (capped) {
    rows.push([
      'Throughput',
      `same run with node --max-old-space-size=${capped.heapCapMb}`,
      `${number(capped.eventsPerSec)} events/s, peak RSS ${number(capped.peakRssMb, 1)} MB`,
      '(for comparison)',
      '',
    ]);
  }
  if (latency) {
    for (const mode of ['full', 'normal']) {
      const run = latency[mode];
      if (!run) continue;
      const d = run.publishToHandler;
      const values = `p50 ${ms(d.p50)}, p99 ${ms(d.p99)}, max ${ms(d.max)} (${number(d.count)} events)`;
      rows.push(
        mode === 'full'
          ? [
              'Latency',
              `publish -> handler start at ${number(latency.rate)}/s for ${latency.seconds} s`,
              values,
              'p99 <= 5 ms',
              verdict(d.p99 <= 5),
            ]
          : [
              'Latency',
              'same with database.synchronous = normal',
              values,
              '(for comparison)',
              '',
            ],
      );
      rows.push([
        'Latency',
        `  of which publish -> commit / commit -> handler (${mode})`,
        `p50 ${ms(run.publishToCommit.p50)} / ${ms(run.commitToHandler.p50)}, p99 ${ms(run.publishToCommit.p99)} / ${ms(run.commitToHandler.p99)}`,
        '',
        '',
      ]);
    }
  }
  if (replay) {
    rows.push(
      [
        'Replay',
        `${number(replay.events)} stored events to one no-op subscription (ReplayService)`,
        `${number(replay.replay.eventsPerSec)} events/s (${number(replay.replay.ms / 1000, 1)} s, CPU ${number(replay.replay.cpuShare, 2)} cores)`,
        '>= 250,000 events/s',
        verdict(replay.replay.eventsPerSec >= 250_000),
      ],
      [
        'Replay',
        'raw keyset scan of the same table (better-sqlite3, pages of 2,000)',
        `${number(replay.rawScan.rowsPerSec)} rows/s (mean of ${number(replay.rawScan.msBefore)} ms before and ${number(replay.rawScan.msAfter)} ms after)`,
        '',
        '',
      ],
      [
        'Replay',
        'replay / raw scan',
        `${number(replay.ratio, 2)}x`,
        '>= 0.50x',
        verdict(replay.ratio >= 0.5),
      ],
    );
  }
  if (natsRelay) {
    const complete = natsRelay.complete ? '' : ' (INCOMPLETE)';
    rows.push(
      [
        'NATS relay',
        `${number(natsRelay.events)} stored events relayed to JetStream by nats.relay (boot included)`,
        `${number(natsRelay.relay.eventsPerSec)} events/s (${number(natsRelay.relay.ms / 1000, 1)} s, CPU ${number(natsRelay.relay.cpuShare, 2)} cores)${complete}`,
        '',
        '',
      ],
      [
        'NATS relay',
        `the same messages published by the client directly, ${number(natsRelay.window)} acks in flight`,
        `${number(natsRelay.direct.eventsPerSec)} events/s (mean of ${number(natsRelay.direct.msBefore)} ms before and ${number(natsRelay.direct.msAfter)} ms after)`,
        '',
        '',
      ],
      [
        'NATS relay',
        'relay / direct',
        `${number(natsRelay.ratio, 2)}x`,
        '>= 0.70x',
        verdict(natsRelay.ratio >= 0.7 && natsRelay.complete),
      ],
    );
  }
  if (grpc) {
    rows.push([
      'gRPC',
      `Publish vs POST /events, one event per call, ${grpc.concurrency} in flight, median of ${grpc.rounds} x ${number(grpc.events)} events`,
      `gRPC ${number(grpc.grpcEventsPerSec)} events/s, HTTP ${number(grpc.httpEventsPerSec)} events/s: ${number(grpc.grpcToHttp, 2)}x`,
      '',
      '',
    ]);
  }
  const postgresHttp = results['postgres-http'];
  if (postgresHttp?.skipped) {
    rows.push(['PostgreSQL HTTP', 'skipped', postgresHttp.skipped, '', '']);
  } else if (postgresHttp) {
    const p = postgresHttp.sides;
    const side = (s, cpuLabel = 'server CPU') =>
      `${number(s.eventsPerSec)} events/s, p99 ${ms(s.latencyP99)}, ${number(s.cpuMicrosPerEvent)} us ${cpuLabel}/event${Number.isFinite(s.databaseCpuMicrosPerEvent) ? ` + ${number(s.databaseCpuMicrosPerEvent)} us PostgreSQL backends/event` : ''}${s.invalidRuns ? `; ${s.invalidRuns} INVALID run(s) left out` : ''}`;
    const runs = `median of ${postgresHttp.rounds} x ${postgresHttp.seconds} s, ${postgresHttp.connections} conns in all`;
    rows.push(
      [
        'PostgreSQL HTTP',
        `POST /events, app as shipped on SQLite (${runs})`,
        side(p.sqlite),
        '',
        '',
      ],
      [
        'PostgreSQL HTTP',
        'the same, one instance on PostgreSQL',
        side(p.pg1),
        '',
        '',
      ],
      [
        'PostgreSQL HTTP',
        'the same, two instances on one PostgreSQL database (half the conns each, summed; p99 the worse)',
        side(p.pg2, 'CPU of both'),
        '',
        '',
      ],
      [
        'PostgreSQL HTTP',
        `raw pg multi-row INSERTs into a plain table, ${postgresHttp.connections} callers, batches <= ${postgresHttp.rawBatch}, pool ${postgresHttp.rawPool}`,
        side(p.raw, 'client CPU'),
        '',
        '',
      ],
      [
        'PostgreSQL HTTP',
        'one instance on PostgreSQL / SQLite',
        `${number(postgresHttp.ratios.pg1ToSqlite, 2)}x (${number(postgresHttp.ratios.pg1ToRaw, 2)}x of raw pg)`,
        '>= 0.80x',
        verdict(postgresHttp.ratios.pg1ToSqlite >= 0.8),
      ],
      [
        'PostgreSQL HTTP',
        'two instances / one instance (same database)',
        `${number(postgresHttp.ratios.pg2ToPg1, 2)}x`,
        '>= 1.00x',
        verdict(postgresHttp.ratios.pg2ToPg1 >= 1),
      ],
    );
  }
  const { queries } = results;
  if (queries) {
    const sizes = Object.keys(queries.curve).map(Number);
    const smallest = String(Math.min(...sizes));
    const largest = String(Math.max(...sizes));
    for (const filter of Object.keys(queries.curve[smallest])) {
      const p99s = sizes.map((size) => queries.curve[String(size)][filter].p99);
      const growth =
        queries.curve[largest][filter].p99 /
        Math.max(0.01, queries.curve[smallest][filter].p99);
      const bounded = filter === 'noPrefixPattern';
      const met =
        queries.curve[largest][filter].p99 <= 10 && (bounded || growth <= 2);
      rows.push([
        'Queries',
        `GET /events ${filter} (limit ${queries.limit}), p50 and p99 at ${sizes.map((size) => number(size)).join(' / ')} rows`,
        `p50 ${sizes.map((size) => ms(queries.curve[String(size)][filter].p50)).join(' / ')}; p99 ${p99s.map((p99) => ms(p99)).join(' / ')} (x${number(growth, 1)})`,
        bounded
          ? '<= 10 ms, <= 10,000 rows read, next cursor'
          : '<= 10 ms at the largest, <= 2x the smallest',
        verdict(met),
      ]);
    }
  }
  return rows;
}

function profileText(title, summary) {
  const top = summary.selfByFunction
    .slice(0, 12)
    .map((f) => [number(f.percent, 1), number(f.ms), f.function, f.location]);
  const categories = summary.selfByCategory
    .slice(0, 10)
    .map((c) => [number(c.percent, 1), number(c.ms), c.category]);
  const project = summary.inclusiveProject
    .slice(0, 10)
    .map((f) => [number(f.percent, 1), number(f.ms), f.function, f.location]);
  const statements = (summary.statements ?? []).map((s) => [
    number(s.ms),
    number(s.executions),
    number(s.prepares),
    s.statement,
  ]);
  return [
    `### CPU profile: ${title}`,
    `${relative(root, summary.file)}; ${number(summary.sampledMs)} ms sampled in the measured window, ${number(summary.busyMs)} ms busy (${number((summary.busyMs / summary.sampledMs) * 100, 0)}%)`,
    '',
    'Self time by function (% of busy time):',
    '',
    table(['%', 'ms', 'function', 'where'], top),
    '',
    'Self time by package / category:',
    '',
    table(['%', 'ms', 'category'], categories),
    '',
    'Project functions on the stack (inclusive):',
    '',
    table(['%', 'ms', 'function', 'where'], project),
    // The HTTP profiles run dist/main.js as shipped, without the statement counter.
    ...(statements.length === 0
      ? []
      : [
          '',
          'SQLite statements in the same window (time in better-sqlite3 run/all, COMMIT includes the sync to disk):',
          '',
          table(['ms', 'executions', 'prepares', 'statement'], statements),
        ]),
  ].join('\n');
}

/** The commit measured, and whether the application's sources differ from it. */
function sourceRevision() {
  const git = (...args) =>
    spawnSync('git', ['--no-optional-locks', ...args], {
      cwd: root,
      encoding: 'utf8',
    });
  const head = git('rev-parse', '--short', 'HEAD');
  if (head.status !== 0) return 'unknown revision';
  const changes = git(
    'status',
    '--porcelain',
    '--',
    'src',
    'package.json',
    'package-lock.json',
    'config.yaml',
  );
  const dirty = changes.status === 0 && changes.stdout.trim() !== '';
  return `commit ${head.stdout.trim()}${dirty ? ' with uncommitted changes to src/, package.json or config.yaml' : ''}`;
}

// ---------------------------------------------------------------- main

/** The HTTP benchmark runs the app as shipped: dist/main.js, built the way `npm run build` does. */
async function buildDist() {
  process.stderr.write('building dist/ with nest build ...\n');
  const { code, output } = await run(
    process.execPath,
    [join(root, 'node_modules', '@nestjs', 'cli', 'bin', 'nest.js'), 'build'],
    { timeoutMs: 300_000, capture: true },
  );
  if (code !== 0) {
    process.stderr.write(output);
    console.error('nest build failed');
    process.exit(1);
  }
}

const startedAt = new Date();
const revision = sourceRevision();
await compile();
if (
  (selected.includes('http') || selected.includes('postgres-http')) &&
  !env.BENCH_APP_MAIN
) {
  await buildDist();
}
const results = {};
let failed = 0;
for (const name of selected) {
  const result = await benchmark(name);
  if (result) results[name] = result;
  else failed++;
}
// The same throughput run with a capped old generation: how much of the peak RSS is GC headroom.
const heapCapMb = Number(env.BENCH_HEAP_CAP_MB ?? '128');
if (selected.includes('throughput') && heapCapMb > 0) {
  const result = await benchmark('throughput', {
    file: 'throughput-heap-capped',
    execArgv: [`--max-old-space-size=${heapCapMb}`],
  });
  if (result) results.throughputHeapCapped = { ...result, heapCapMb };
  else failed++;
}
const profileSummaries = options['no-profile'] ? {} : await profiles();

const machine = `${cpus().length} CPUs (${cpus()[0]?.model ?? 'unknown'}), Node ${process.version}, ${process.platform}; ${revision}`;
const sections = [
  `## Results (${startedAt.toISOString()}${options.quick ? ', --quick' : ''})`,
  machine,
  '',
  table(
    ['Benchmark', 'Measure', 'Result', 'Target', 'Verdict'],
    resultRows(results),
  ),
  '',
  `Machine load during each benchmark (1-min load average before/after; CPU busy machine-wide, in cores of ${cpus().length}): ${Object.entries(
    results,
  )
    .map(
      ([name, r]) =>
        `${name} ${r.conditions.loadBefore}/${r.conditions.loadAfter}, ${r.conditions.machineBusyCores ?? 'n/a'} busy`,
    )
    .join('; ')}`,
];
if (profileSummaries.throughput) {
  sections.push(
    '',
    profileText(
      `in-process throughput (${number(profileSummaries.throughput.events)} events, ${number(profileSummaries.throughput.eventsPerSec)} events/s under the profiler)`,
      profileSummaries.throughput,
    ),
  );
}
for (const [key, route] of [
  ['httpPublish', 'POST /events'],
  ['httpLive', 'GET /health/live'],
  ['httpList', 'GET /events?limit=20'],
]) {
  const summary = profileSummaries[key];
  if (!summary) continue;
  sections.push(
    '',
    profileText(
      `the app as shipped during ${route} (${number(summary.reqPerSec)} req/s, server CPU ${number(summary.serverCpuShare, 2)} cores, under the profiler)`,
      summary,
    ),
  );
}
const text = sections.join('\n');
process.stdout.write(`\n${text}\n`);
writeFileSync(join(runDir, 'summary.md'), `${text}\n`);
writeFileSync(
  join(runDir, 'summary.json'),
  `${JSON.stringify({ machine, startedAt, quick: options.quick, results, profiles: profileSummaries }, null, 2)}\n`,
);
process.stdout.write(`\nresults and profiles: ${relative(root, runDir)}\n`);
process.exit(failed > 0 ? 1 : 0);
