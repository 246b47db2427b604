/**
 * `npm run build -w <package>` makes what consumers outside this repository import: ESM
 * JavaScript and type declarations, without the test helpers.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..');
const TSC = join(ROOT, 'node_modules/.bin/tsc');

describe.each([
  [
    'client',
    /export \{ ChatController,? \} from '\.\/chat-controller\.js'/,
    'chat-controller.d.ts',
    /export declare class ChatController/,
  ],
  [
    'react',
    /export \{ ChatWidget,? \} from '\.\/widget\/chat-widget\.js'/,
    'use-chat.d.ts',
    /export declare function useChat/,
  ],
])('@miptech/%s', (name, indexExport, declarationFile, declaration) => {
  it('builds to ESM JavaScript with type declarations', () => {
    const outDir = mkdtempSync(join(tmpdir(), `miptech-${name}-build-`));
    try {
      const project = join(ROOT, 'packages', name, 'tsconfig.build.json');
      const result = spawnSync(TSC, ['-p', project, '--outDir', outDir], { encoding: 'utf8' });
      expect(result.stderr + result.stdout).toBe('');
      expect(result.status).toBe(0);
      expect(readFileSync(join(outDir, 'index.js'), 'utf8')).toMatch(indexExport);
      expect(readFileSync(join(outDir, declarationFile), 'utf8')).toMatch(declaration);
      expect(existsSync(join(outDir, 'testing.js'))).toBe(false);
    } finally {
      rmSync(outDir, { recursive: true, force: true });
    }
  });
});
