#!/usr/bin/env node
// `npm run replay`: starts a replay on the running application and follows it with a progress
// bar. It talks to the app over HTTP, so the replay runs where the subscription runs, beside
// live traffic, and nothing else in the database is touched.
//
//   npm run replay -- --subscription analytics.counts --reset
//   npm run replay -- --subscription audit.log --from-position 1000 --to-position 2000
//   npm run replay -- --subscription audit.log --type 'user.*' --since 2024-05-01T00:00:00Z
//   npm run replay -- --subscription audit.log --dry-run
//
// --url defaults to http://127.0.0.1:$PORT (PORT defaults to 8080). The API key (admin role) is
// read from API_KEY and sent as a bearer token. Exit code 0 when the replay completed, 1 when it
// failed, was cancelled or was refused.
import { parseArgs } from 'node:util';

const POLL_MS = 250;
const BAR_WIDTH = 30;

const { values } = parseArgs({
  options: {
    subscription: { type: 'string' },
    reset: { type: 'boolean', default: false },
    'dry-run': { type: 'boolean', default: false },
    'from-position': { type: 'string' },
    'to-position': { type: 'string' },
    since: { type: 'string' },
    until: { type: 'string' },
    type: { type: 'string', multiple: true },
    'aggregate-id': { type: 'string' },
    url: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});

if (values.help || !values.subscription) {
  console.error(
    'usage: npm run replay -- --subscription <name> [--reset] [--dry-run]\n' +
      '         [--from-position n] [--to-position n] [--since t] [--until t]\n' +
      '         [--type pattern]... [--aggregate-id id] [--url http://127.0.0.1:8080]',
  );
  process.exit(values.help ? 0 : 1);
}

const baseUrl = (
  values.url ?? `http://127.0.0.1:${process.env.PORT ?? '8080'}`
).replace(/\/$/, '');

const request = {
  subscription: values.subscription,
  from_position: integer(values['from-position'], 'from-position'),
  to_position: integer(values['to-position'], 'to-position'),
  since: values.since,
  until: values.until,
  types: values.type,
  aggregate_id: values['aggregate-id'],
  reset: values.reset || undefined,
  dry_run: values['dry-run'] || undefined,
};

try {
  const started = await call('POST', '/events/replay', request);
  if (values['dry-run']) {
    console.log(JSON.stringify(started, null, 2));
    process.exit(0);
  }
  const job = await follow(started.id);
  process.exit(job.state === 'completed' ? 0 : 1);
} catch (error) {
  console.error(`replay: ${error.message}`);
  process.exit(1);
}

async function follow(id) {
  for (;;) {
    const job = await call('GET', `/events/replay/${id}`);
    drawProgress(job);
    if (job.state !== 'running') {
      process.stderr.write('\n');
      report(job);
      return job;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function drawProgress({ progress, subscription, mode }) {
  const { done, total, failed, events_per_second: rate } = progress;
  const ratio = total === 0 ? 1 : Math.min(1, done / total);
  const filled = Math.round(ratio * BAR_WIDTH);
  const bar = '#'.repeat(filled) + '-'.repeat(BAR_WIDTH - filled);
  const line = `${subscription} (${mode}) [${bar}] ${(ratio * 100).toFixed(0).padStart(3)}% ${done}/${total} events, ${failed} failed, ${rate} events/s`;
  process.stderr.write(process.stderr.isTTY ? `\r${line}` : `${line}\n`);
}

function report(job) {
  const summary = `replay ${job.id} ${job.state}: ${job.progress.done}/${job.progress.total} events, ${job.progress.failed} failed`;
  console.log(job.reason ? `${summary} (${job.reason})` : summary);
  for (const error of job.errors)
    console.log(
      `  position ${error.position} ${error.type} ${error.event_id}: ${error.error} (${error.attempts} attempts)`,
    );
}

async function call(method, path, body) {
  let response;
  try {
    response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(body ? { 'content-type': 'application/json' } : {}),
        ...(process.env.API_KEY
          ? { authorization: `Bearer ${process.env.API_KEY}` }
          : {}),
      },
      body: body ? JSON.stringify(body) : undefined,
    });
  } catch (error) {
    throw new Error(
      `cannot reach the application at ${baseUrl} (${error.cause?.code ?? error.message}); start it or pass --url`,
      { cause: error },
    );
  }
  const answer = await response.json().catch(() => ({}));
  if (!response.ok)
    throw new Error(
      `${response.status} ${answer.message ?? response.statusText}`,
    );
  return answer;
}

function integer(text, name) {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) {
    console.error(`replay: --${name} must be a whole number`);
    process.exit(1);
  }
  return Number(text);
}
