import { describe, expect, it } from 'vitest';
import { useChildApps } from './support/child-app.js';

describe('SQLite serves one process at a time', () => {
  const apps = useChildApps();

  it('refuses a second process on the same database with a clear message, and starts again once the first is gone, even killed', async () => {
    const first = await apps.start();

    const second = await apps.runToExit({
      DATABASE__PATH: apps.databasePath,
      SERVER__HOST: '127.0.0.1',
      PORT: '0',
    });
    expect(second.code, second.output).toBe(1);
    expect(second.output).toContain('is in use by another process');
    expect(second.output).toContain('PostgreSQL');

    // The first one was not disturbed.
    const ready = await fetch(`${first.baseUrl}/health/ready`);
    expect(ready.status).toBe(200);

    // The operating system drops the lock with its holder, however it ended.
    await first.kill('SIGKILL');
    const third = await apps.start();
    const live = await fetch(`${third.baseUrl}/health/live`);
    expect(live.status).toBe(200);
  });
});
