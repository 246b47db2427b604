/**
 * The SDK's weight in a browser bundle: built with Vite (Rolldown) as an app would import it,
 * minified, gzipped. The budget is 12 KB; zod (the protocol's schemas) must not come along.
 */
import { gzipSync } from 'node:zlib';
import { build, type Rolldown } from 'vite';
import { expect, it } from 'vitest';

const BUDGET_BYTES = 12 * 1024;

it('is at most 12 KB gzip, minified, and carries no zod', async () => {
  const result = (await build({
    configFile: false,
    logLevel: 'silent',
    build: {
      write: false,
      minify: true,
      lib: { entry: new URL('./index.ts', import.meta.url).pathname, formats: ['es'], fileName: 'client' },
    },
  })) as Rolldown.RolldownOutput[];
  const chunks = result.flatMap((output) => output.output).filter((item) => item.type === 'chunk');
  const code = chunks.map((chunk) => chunk.code).join('\n');
  const gzipped = gzipSync(code).length;
  process.stdout.write(
    `@miptech/client: ${code.length} bytes minified, ${gzipped} bytes gzip (budget ${BUDGET_BYTES})\n`,
  );
  expect(code).not.toMatch(/ZodError|\$ZodType/);
  expect(gzipped).toBeLessThanOrEqual(BUDGET_BYTES);
});
