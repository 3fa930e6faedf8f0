/**
 * e2e harness: where screenshots of the dialer go. By default a temp folder (so test runs leave
 * the work tree clean); with `PATCHBAY_SCREENSHOTS=docs` the README's images in docs/ are
 * refreshed: `PATCHBAY_SCREENSHOTS=docs node --import tsx --test e2e/web-dialer*.e2e.test.ts`.
 */
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';

const DOCS = fileURLToPath(new URL('../../docs/', import.meta.url));

export function screenshotDir(): string {
  const dir = process.env.PATCHBAY_SCREENSHOTS === 'docs' ? DOCS : join(tmpdir(), 'patchbay-screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Saves `page` as `<name>.png`; returns the path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(screenshotDir(), `${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
  return path;
}
