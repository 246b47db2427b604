/**
 * The seed app the browser tests run (tests/fixtures/seed/, see e2e/seed-app.test.ts) is the seed
 * document's code byte for byte: each file is the block under its heading in the document. The
 * few files that are not in the document (the entry, three empty site components, the Vite
 * build) say so in their first line.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { seedBlock } from './support/seed-document.ts';

const SEEDS = join(import.meta.dirname, '../../shared/seeds');
const FIXTURE = join(import.meta.dirname, 'fixtures/seed');

/** Fixture file → [seed document, heading above its block, block language]. */
const FROM_THE_DOCUMENTS: Record<string, [string, string, string?]> = {
  '.env': ['000_93c44b7478328821.txt', '**Create**: `.env` (Development)', 'bash'],
  'src/services/miptechApi.js': ['000_93c44b7478328821.txt', '### 1. MIPTech API Client'],
  'src/services/websocketManager.js': ['000_93c44b7478328821.txt', '### 2. WebSocket Manager'],
  'src/services/sessionManager.js': ['000_93c44b7478328821.txt', '### 3. Session Manager'],
  'src/services/authClient.js': [
    '003_744f3edd6d05ff30.txt',
    '#### 2.1 Create Complete Authentication Client',
  ],
  'src/hooks/useChat.js': ['000_93c44b7478328821.txt', '### useChat Hook'],
  'src/components/ChatWidget.js': ['000_93c44b7478328821.txt', '### 1. Chat Widget'],
  'src/components/ConnectionTest.js': ['000_93c44b7478328821.txt', '### 2. Connection Test Component'],
  'src/App.js': ['000_93c44b7478328821.txt', '### App.js Integration'],
  'src/utils/testIntegration.js': ['000_93c44b7478328821.txt', '### Quick Test Script'],
};

function filesUnder(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? filesUnder(join(directory, entry.name))
      : [relative(FIXTURE, join(directory, entry.name))],
  );
}

describe('the seed app fixture', () => {
  it.skipIf(!existsSync(SEEDS)).each(Object.entries(FROM_THE_DOCUMENTS))(
    '%s is the seed document’s block, byte for byte',
    (file, [document, heading, language]) => {
      const fromSeed = seedBlock(readFileSync(join(SEEDS, document), 'utf8'), heading, language);
      expect(readFileSync(join(FIXTURE, file), 'utf8')).toBe(fromSeed);
    },
  );

  it('marks every other file as not from the document', () => {
    const ours = filesUnder(FIXTURE).filter((file) => !(file in FROM_THE_DOCUMENTS));
    expect(ours.sort()).toEqual([
      'index.html',
      'src/components/AnimatedBackground.js',
      'src/components/Navigation.js',
      'src/components/ThreeJSCanvas.js',
      'src/index.css',
      'src/index.js',
      'src/seed-env.js',
      'vite.config.ts',
    ]);
    for (const file of ours) {
      expect(readFileSync(join(FIXTURE, file), 'utf8')).toMatch(/Not from the seed document/);
    }
  });
});
