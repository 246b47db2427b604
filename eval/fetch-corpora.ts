/**
 * `npm run eval:corpora`: packs each pinned documentation package (see `corpora.ts`) from the npm
 * registry and unpacks it under `eval/corpora/<name>/`. Nothing here is committed.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CORPORA, CORPORA_DIRECTORY } from './corpora.ts';

for (const spec of CORPORA) {
  const target = join(CORPORA_DIRECTORY, spec.name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  execFileSync('npm', ['pack', spec.packageSpec, '--pack-destination', target, '--silent'], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tarball = readdirSync(target).find((file) => file.endsWith('.tgz'));
  if (!tarball) throw new Error(`npm pack ${spec.packageSpec} left no tarball`);
  execFileSync('tar', ['xzf', tarball], { cwd: target });
  rmSync(join(target, tarball));
  console.log(`${spec.name}: ${spec.packageSpec} → ${target}`);
}
