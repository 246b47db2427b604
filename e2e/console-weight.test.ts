/**
 * What the operator console costs on first load: every script, module preload and stylesheet its
 * page names (what the browser fetches before anything is drawn), gzip, against the 150 KB budget
 * of issue 15. Chunks loaded later (none today) would not count.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { WEB_DIST } from '../scripts/build-web.ts';

const BUDGET = 150 * 1024;

/** The assets `index.html` loads, as paths under dist/web. */
function firstLoadAssets(html: string): string[] {
  const references = [
    ...html.matchAll(/<script[^>]*\ssrc="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*\srel="(?:stylesheet|modulepreload)"[^>]*\shref="([^"]+)"/g),
    ...html.matchAll(/<link[^>]*\shref="([^"]+)"[^>]*\srel="(?:stylesheet|modulepreload)"/g),
  ].map((match) => match[1] ?? '');
  return [...new Set(references)].filter((path) => path.startsWith('/console/'));
}

describe('the weight of the console', () => {
  it('loads at most 150 KB gzip of JS and CSS before it is drawn', () => {
    const html = readFileSync(join(WEB_DIST, 'console', 'index.html'), 'utf8');
    const assets = firstLoadAssets(html);
    expect(assets.some((path) => path.endsWith('.js'))).toBe(true);
    expect(assets.some((path) => path.endsWith('.css'))).toBe(true);
    const sizes = assets.map((path) => ({
      path,
      gzip: gzipSync(readFileSync(join(WEB_DIST, path.replace(/^\//, ''))), { level: 9 }).length,
    }));
    const total = sizes.reduce((sum, entry) => sum + entry.gzip, 0);
    process.stdout.write(
      `console first load, gzip: ${total} B (budget ${BUDGET}): ${sizes.map((entry) => `${entry.path} ${entry.gzip} B`).join(', ')}\n`,
    );
    expect(total).toBeLessThanOrEqual(BUDGET);
  });
});
