import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from './support/app-build.js';
import { runNode } from './support/child-process.js';
import { getJson, registerUser, waitForDelivery } from './support/http.js';
import { useTestApp } from './support/test-app.js';

describe('npm run replay (command line)', () => {
  const api = useTestApp();
  let url: string;

  /** Runs scripts/replay.js; the child is killed by PID if it outlives the timeout. */
  const runCli = (args: string[]) =>
    runNode(join(REPO_ROOT, 'scripts', 'replay.js'), args, {
      cwd: api.directory,
      timeoutMs: 20_000,
    });

  beforeAll(async () => {
    await api.app.listen(0, '127.0.0.1');
    const { port } = api.app.getHttpServer().address() as AddressInfo;
    url = `http://127.0.0.1:${port}`;
    for (let index = 0; index < 4; index++)
      await registerUser(api, `cli-${index}@example.com`);
    await waitForDelivery(api);
  });

  it('rebuilds a projection with --reset, drawing progress until it completes', async () => {
    const before = await getJson(api, '/analytics');

    const result = await runCli([
      '--subscription',
      'analytics.counts',
      '--reset',
      '--url',
      url,
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(
      /analytics\.counts \(reset\) \[#+\] 100% 4\/4 events/,
    );
    expect(result.stdout).toMatch(/completed: 4\/4 events, 0 failed/);
    expect(await getJson(api, '/analytics')).toEqual(before);
  });

  it('prints a dry run as JSON', async () => {
    const result = await runCli([
      '--subscription',
      'audit.log',
      '--type',
      'user.*',
      '--dry-run',
      '--url',
      url,
    ]);

    expect(result.code, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      dry_run: true,
      total: 4,
      types: { 'user.registered': 4 },
    });
  });

  it('exits 1 with the reason when the replay is refused', async () => {
    const result = await runCli([
      '--subscription',
      'notifications.welcome',
      '--url',
      url,
    ]);

    expect(result.code).toBe(1);
    expect(result.stderr).toContain('409');
    expect(result.stderr).toContain('not replayable');
  });
});
