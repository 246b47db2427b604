/** `npm run build` makes what the package's consumers outside this repository import: ESM and declarations. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';

it('builds to ESM JavaScript with type declarations', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'miptech-client-build-'));
  try {
    const packageDir = join(import.meta.dirname, '..');
    const tsc = join(packageDir, '../../node_modules/.bin/tsc');
    const result = spawnSync(tsc, ['-p', join(packageDir, 'tsconfig.build.json'), '--outDir', outDir], {
      encoding: 'utf8',
    });
    expect(result.stderr + result.stdout).toBe('');
    expect(result.status).toBe(0);
    expect(readFileSync(join(outDir, 'index.js'), 'utf8')).toMatch(
      /export \{ ChatController,? \} from '\.\/chat-controller\.js'/,
    );
    expect(readFileSync(join(outDir, 'chat-controller.d.ts'), 'utf8')).toMatch(
      /export declare class ChatController/,
    );
    expect(existsSync(join(outDir, 'testing.js'))).toBe(false);
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
});
