import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testKey, withKeys } from './support/api-keys.js';
import { REPO_ROOT } from './support/app-build.js';
import { chromiumAvailability, launchChromium } from './support/browser.js';
import { failTimes, Probe, probeModule } from './support/probe.js';
import { useTestApp } from './support/test-app.js';

const chromium = await chromiumAvailability();
if (!chromium.available)
  console.warn(`live page tests skipped: ${chromium.reason}`);

const ARTIFACTS = join(REPO_ROOT, 'test-results');
const operator = testKey('operator', ['admin']);

describe.skipIf(!chromium.available)(
  `the live page in Chromium${chromium.available ? '' : ` (skipped: ${chromium.reason})`}`,
  () => {
    const probe = new Probe();
    const api = useTestApp(
      {
        ...withKeys(operator),
        event: {
          handlers: {
            retry_count: 2,
            retry_delay: '1ms',
            retry_max_delay: '1ms',
          },
          stream: { heartbeat: '1s' },
        },
      },
      { imports: [probeModule(probe)] },
    );
    let baseUrl: string;
    let browser: Browser;
    let page: Page;
    const consoleErrors: string[] = [];
    const requestedUrls: string[] = [];

    beforeAll(async () => {
      await api.app.listen(0, '127.0.0.1');
      const { port } = api.app.getHttpServer().address() as AddressInfo;
      baseUrl = `http://127.0.0.1:${port}`;
      browser = await launchChromium();
      // A phone's screen: the page must be usable there.
      const context = await browser.newContext({
        viewport: { width: 390, height: 844 },
        deviceScaleFactor: 2,
      });
      page = await context.newPage();
      page.on('console', (message) => {
        if (message.type() === 'error') consoleErrors.push(message.text());
      });
      page.on('pageerror', (error) => consoleErrors.push(String(error)));
      page.on('request', (request) => requestedUrls.push(request.url()));
      // Recorded by the browser itself, whatever the page's scripts do.
      await page.addInitScript({
        content: `
          window.cspViolations = [];
          document.addEventListener('securitypolicyviolation', (violation) =>
            window.cspViolations.push(violation.violatedDirective + ': ' + violation.blockedURI));
        `,
      });
      await page.goto(`${baseUrl}/`);
      await page.getByLabel(/^Key/).fill(operator.key);
      await page.getByRole('button', { name: 'Connect' }).click();
      await page.getByText('Connected: new events appear below.').waitFor();
    }, 60_000);

    afterAll(async () => {
      if (page) {
        mkdirSync(ARTIFACTS, { recursive: true });
        await page
          .screenshot({
            path: join(ARTIFACTS, 'live-page.png'),
            fullPage: true,
          })
          .catch(() => undefined);
      }
      await browser?.close();
    });

    it('registers a user from the form and shows its event reaching each handler', async () => {
      await page.getByLabel('Name').fill('Grace Hopper');
      await page.getByLabel('Email').fill('grace@example.com');
      await page.getByRole('button', { name: 'Register' }).click();
      await page.getByText(/^Registered Grace Hopper/).waitFor();

      await page
        .locator('#events li[data-event-type="user.registered"]')
        .first()
        .waitFor();
      for (const subscription of [
        'notifications.welcome',
        'analytics.counts',
        'audit.log',
      ]) {
        await page
          .locator(
            `#deliveries li[data-subscription="${subscription}"] .status-delivered`,
          )
          .waitFor({ timeout: 10_000 });
      }
      await page.getByText('CloudEvents view').click();
      const cloudEvent = JSON.parse(
        (await page.locator('#cloudevent').textContent()) ?? '',
      );
      expect(cloudEvent).toMatchObject({
        specversion: '1.0',
        type: 'user.registered',
        data: { name: 'Grace Hopper' },
      });
      await page
        .locator('#subscriptions tr[data-subscription="notifications.welcome"]')
        .waitFor();
    });

    it('retries a dead letter from the page once its handler works again', async () => {
      probe.flaky.behaviour = failTimes(Number.MAX_SAFE_INTEGER);
      const published = await fetch(`${baseUrl}/events`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-api-key': operator.key,
        },
        body: JSON.stringify({
          id: 'live-page-poison',
          type: 'probe.flaky',
          data: {},
        }),
      });
      expect(published.status).toBe(201);

      const entry = page.locator('#dead-letters li', {
        hasText: 'probe.flaky',
      });
      await entry.waitFor({ timeout: 15_000 });
      probe.flaky.behaviour = () => undefined;
      await entry.getByRole('button', { name: /^Retry/ }).click();
      await page.getByText('Retried: delivered').waitFor();
      await entry.waitFor({ state: 'detached' });
      expect(probe.flaky.callsFor('live-page-poison').at(-1)).toMatchObject({
        outcome: 'ok',
      });
    });

    it('logs no console error, violates no CSP directive and never puts the key in a URL', async () => {
      const violations = await page.evaluate('window.cspViolations');
      expect(violations).toEqual([]);
      expect(consoleErrors).toEqual([]);
      expect(requestedUrls.length).toBeGreaterThan(5);
      expect(requestedUrls.filter((url) => url.includes(operator.key))).toEqual(
        [],
      );
    });
  },
);
