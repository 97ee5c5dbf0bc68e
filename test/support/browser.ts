import { accessSync, constants } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { serviceAvailability } from './services.js';

/** Debian's Chromium (apt-get install chromium); Playwright's own download is not used. */
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export function chromiumAvailability() {
  return serviceAvailability('Chromium', async () => {
    accessSync(CHROMIUM, constants.X_OK);
  });
}

/** A headless Chromium; the caller closes it. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Tests run as root in CI containers, where Chromium's sandbox cannot start.
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
}
