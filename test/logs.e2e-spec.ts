import { describe, expect, it } from 'vitest';
import { useChildApps } from './support/child-app.js';
import { eventually } from './support/test-app.js';

interface LogLine {
  level: number;
  msg: string;
  context?: string;
  correlationId?: string;
  requestId?: string;
}

/** Every line the process wrote to stdout, each parsed as JSON (a pretty line fails the parse). */
function jsonLines(stdout: string): LogLine[] {
  return stdout
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => JSON.parse(line) as LogLine);
}

describe('logs of the running service', () => {
  const apps = useChildApps();

  it('writes JSON lines when stdout is not a terminal (log.pretty: auto), each line of a request and of its handlers carrying its correlation id', async () => {
    const app = await apps.start({
      env: { LOG__PRETTY: 'auto', LOG__LEVEL: 'info' },
    });
    const correlationId = 'logs-e2e-welcome-1';
    const response = await fetch(`${app.baseUrl}/users`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-correlation-id': correlationId,
      },
      body: JSON.stringify({ email: 'logs@example.com', name: 'Logs' }),
    });
    expect(response.status).toBe(201);
    const { id: userId } = (await response.json()) as { id: string };

    const welcome = await eventually(() => {
      const line = jsonLines(app.stdout()).find((entry) =>
        entry.msg.includes(`welcome message queued for user ${userId}`),
      );
      if (!line) throw new Error('no welcome line yet');
      return line;
    });
    expect(welcome).toMatchObject({ context: 'Notifications', correlationId });

    const lines = jsonLines(app.stdout());
    const requestLine = lines.find((entry) =>
      entry.msg.startsWith('POST /users 201'),
    );
    expect(requestLine).toMatchObject({ correlationId });
    // Every delivery of the user's registration (three handlers) names the same correlation;
    // the handlers run after the answer, each in its own time.
    await eventually(
      () =>
        jsonLines(app.stdout()).filter(
          (entry) =>
            entry.context === 'Delivery' &&
            entry.correlationId === correlationId,
        ).length >= 3,
      { what: 'three deliveries logged with the correlation id' },
    );
  });
});
