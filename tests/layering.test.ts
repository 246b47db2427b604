/**
 * The server's layers, checked: entry (app.ts, server.ts, cli/) → transport (http/, realtime/) →
 * domain (chat/, auth/, tenancy/, assistant/, knowledge/, outbound/) → foundation (bus/, errors/,
 * storage/) → protocol. No file of the domain or below imports the transport or the entry, and
 * the protocol package imports nothing of the server. Tests may import anything.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SERVER = join(import.meta.dirname, '../packages/server/src');
const PROTOCOL = join(import.meta.dirname, '../packages/protocol/src');
const LOWER_LAYERS = [
  'chat',
  'auth',
  'tenancy',
  'assistant',
  'knowledge',
  'outbound',
  'bus',
  'errors',
  'storage',
];
const UPPER = [/^http\//, /^realtime\//, /^cli\//, /^app\.ts$/, /^server\.ts$/, /^index\.ts$/];

function sourceFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true }).flatMap((entry) => {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !/\.(test|conformance)\.ts$/.test(entry.name) ? [path] : [];
  });
}

/** Every module a file imports (static, dynamic and type-only), as written. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1] ?? '');
}

describe('layering', () => {
  it('keeps the domain and the layers below it free of the transport and the entry', () => {
    const offences: string[] = [];
    for (const layer of LOWER_LAYERS) {
      let files: string[] = [];
      try {
        files = sourceFiles(join(SERVER, layer));
      } catch {
        continue;
      }
      for (const file of files) {
        for (const specifier of importsOf(file).filter((spec) => spec.startsWith('.'))) {
          const target = relative(SERVER, resolve(dirname(file), specifier));
          if (UPPER.some((pattern) => pattern.test(target))) {
            offences.push(`${relative(SERVER, file)} imports ${target}`);
          }
        }
      }
    }
    expect(offences).toEqual([]);
  });

  it('keeps the protocol package free of server code', () => {
    const offences = sourceFiles(PROTOCOL).flatMap((file) =>
      importsOf(file)
        .filter(
          (spec) =>
            spec.includes('server') ||
            (spec.startsWith('.') && !resolve(dirname(file), spec).startsWith(PROTOCOL)),
        )
        .map((spec) => `${relative(PROTOCOL, file)} imports ${spec}`),
    );
    expect(offences).toEqual([]);
  });
});
