/**
 * `npm run bench`: every scenario against its baselines in one run, on loopback only, servers in
 * their own process pinned to core 0 and this load generator on core 1 (where `taskset` exists),
 * each measurement bounded in time. Writes bench/results/<date>-<commit>.{json,md} and latest.md.
 *
 * Options: --before COMMIT  also run the platform as of COMMIT (before/after in the same run)
 *          --only rest,round-trip,fan-out,idle,streaming   --seconds N (default 4)
 *          --idle N (default 10000)   --tokens N (50)   --pace MS (10)   --runs N (15)
 *          --spike  also run REST with the storage spike's message half (decision 013)
 *          --repeats N (default 1)  REST measurements per contender, interleaved; rows show medians
 * The widget scenario is not here: the loader and widget do not exist yet.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Row, renderMarkdown } from './lib/render.ts';
import { hasTaskset, LOAD_CORE, type ServerProcess, startServer } from './lib/server-process.ts';
import { median, round } from './lib/stats.ts';
import { measureFanOut } from './scenarios/fan-out.ts';
import { measureIdle } from './scenarios/idle.ts';
import { measureRest, type RestResult } from './scenarios/rest.ts';
import { measureRoundTrip } from './scenarios/round-trip.ts';
import { measureStreaming } from './scenarios/streaming.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = join(here, '..');

// Pin this process (the load generator) to its own core, away from the servers.
if (hasTaskset() && !process.env.BENCH_PINNED) {
  const result = spawnSync('taskset', ['-c', String(LOAD_CORE), process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_PINNED: '1' },
  });
  process.exit(result.status ?? 1);
}

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    only: { type: 'string', default: 'rest,round-trip,fan-out,idle,streaming' },
    seconds: { type: 'string', default: '4' },
    idle: { type: 'string', default: '10000' },
    tokens: { type: 'string', default: '50' },
    pace: { type: 'string', default: '10' },
    runs: { type: 'string', default: '15' },
    spike: { type: 'boolean', default: false },
    repeats: { type: 'string', default: '1' },
  },
});
const only = new Set(values.only.split(','));
const seconds = Number(values.seconds);
const dataRoot = join(here, '.data');
rmSync(dataRoot, { recursive: true, force: true });
mkdirSync(dataRoot, { recursive: true });

const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
const commit = git('rev-parse', '--short', 'HEAD');
const dirty = git('status', '--porcelain').length > 0;

/** The platform trees: this checkout ("after"), and optionally an older commit ("before"). */
const trees: Array<{ label: string; root: string }> = [{ label: 'platform', root }];
if (values.before) {
  const sha = git('rev-parse', '--short', values.before);
  // Outside the checkout, so neither the linter nor the test runner picks the old tree up.
  const tree = join(tmpdir(), 'miptech-bench-before', sha);
  if (!existsSync(tree)) {
    mkdirSync(tree, { recursive: true });
    execFileSync('sh', ['-c', `git archive ${sha} packages | tar -x -C "${tree}"`], { cwd: root });
    symlinkSync(join(root, 'node_modules'), join(tree, 'node_modules'));
  }
  trees.push({ label: `platform before (${sha})`, root: tree });
}

const rows: Row[] = [];
const record = (row: Row) => {
  rows.push(row);
  console.log(JSON.stringify(row));
};

async function withServer<T>(
  script: string,
  args: string[],
  env: Record<string, string>,
  work: (server: ServerProcess) => Promise<T>,
): Promise<T> {
  const server = await startServer(script, args, env);
  try {
    return await work(server);
  } finally {
    await server.stop();
  }
}

const platformArgs = (tree: { root: string }, store: string, name: string) => [
  '--root',
  tree.root,
  '--store',
  store,
  '--data',
  join(dataRoot, name),
];

/** Medians of repeated REST measurements, with every run's requests per second kept. */
function restMedians(results: RestResult[]): Record<string, number | string> {
  const of = (key: keyof RestResult) => median(results.map((result) => result[key]));
  return {
    requestsPerSecond: of('requestsPerSecond'),
    requestsPerCpuSecond: of('requestsPerCpuSecond'),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    p50Ms: of('p50Ms'),
    p99Ms: of('p99Ms'),
    runs: results.map((result) => Math.round(result.requestsPerSecond)).join(' / '),
  };
}

if (only.has('rest')) {
  const repeats = Number(values.repeats);
  // The platform trees with the production twins, and with --spike this checkout again with the
  // message half of decision 013's spike: same run, same machine, interleaved repeats.
  const platforms = trees.map((tree, index) => ({
    label: tree.label,
    tree,
    messages: 'twins',
    name: String(index),
  }));
  const spikes = [
    { label: 'platform, Kysely messages (spike)', tree: { root }, messages: 'kysely', name: 'kysely' },
    // PostgreSQL only: Kysely's stock pg driver, which does not name (prepare) statements.
    {
      label: 'platform, Kysely messages, unnamed statements',
      tree: { root },
      messages: 'kysely-unnamed',
      name: 'kysely-unnamed',
    },
  ];
  for (const store of ['sqlite', 'postgres'] as const) {
    const contenders = [
      ...platforms,
      ...(values.spike ? spikes.filter((spike) => store === 'postgres' || spike.messages === 'kysely') : []),
    ];
    const measured = new Map<string, RestResult[]>();
    const keep = (label: string, result: RestResult) =>
      measured.set(label, [...(measured.get(label) ?? []), result]);
    const bareLabel = `bare Fastify + ${store === 'sqlite' ? 'node:sqlite' : 'pg'}`;
    for (let repeat = 0; repeat < repeats; repeat++) {
      keep(
        bareLabel,
        await withServer(
          'bare-http.ts',
          ['--store', store, '--data', join(dataRoot, `bare-${store}-${repeat}`)],
          {},
          (server) => measureRest(server, 'bare', seconds),
        ),
      );
      for (const contender of contenders) {
        keep(
          contender.label,
          await withServer(
            'platform.ts',
            [
              ...platformArgs(contender.tree, store, `rest-${store}-${contender.name}-${repeat}`),
              '--messages',
              contender.messages,
            ],
            {},
            (server) => measureRest(server, 'platform', seconds),
          ),
        );
      }
    }
    for (const [contender, results] of measured) {
      record({ scenario: 'rest', store, contender, ...restMedians(results) });
    }
  }
}

if (only.has('round-trip')) {
  record({
    scenario: 'round-trip',
    contender: 'bare ws echo',
    ...(await withServer('bare-ws.ts', ['--mode', 'echo'], {}, (server) =>
      measureRoundTrip(server, 'bare', seconds),
    )),
  });
  record({
    scenario: 'round-trip',
    contender: 'bare ws echo + node:sqlite commit',
    ...(await withServer(
      'bare-ws.ts',
      ['--mode', 'durable', '--data', join(dataRoot, 'durable')],
      {},
      (server) => measureRoundTrip(server, 'bare', seconds),
    )),
  });
  for (const [index, tree] of trees.entries()) {
    const result = await withServer(
      'platform.ts',
      platformArgs(tree, 'sqlite', `rt-${index}`),
      {},
      (server) => measureRoundTrip(server, 'platform', seconds),
    );
    record({ scenario: 'round-trip', contender: tree.label, store: 'sqlite', ...result });
  }
}

if (only.has('fan-out')) {
  for (const receivers of [200, 1000]) {
    record({
      scenario: 'fan-out',
      contender: 'bare ws broadcast',
      ...(await withServer('bare-ws.ts', ['--mode', 'broadcast'], {}, (server) =>
        measureFanOut(server, 'bare-ws', receivers, seconds),
      )),
    });
    record({
      scenario: 'fan-out',
      contender: 'Socket.IO room',
      ...(await withServer('socketio-room.ts', [], {}, (server) =>
        measureFanOut(server, 'socket.io', receivers, seconds),
      )),
    });
    for (const [index, tree] of trees.entries()) {
      const result = await withServer(
        'platform.ts',
        platformArgs(tree, 'sqlite', `fan-${receivers}-${index}`),
        {},
        (server) => measureFanOut(server, 'platform', receivers, seconds),
      );
      record({ scenario: 'fan-out', contender: tree.label, store: 'sqlite', ...result });
    }
  }
}

if (only.has('idle')) {
  const count = Number(values.idle);
  record({
    scenario: 'idle',
    contender: 'bare ws',
    ...(await withServer('bare-ws.ts', ['--mode', 'idle'], {}, (server) =>
      measureIdle(server, 'bare-ws', count),
    )),
  });
  for (const [index, tree] of trees.entries()) {
    const result = await withServer(
      'platform.ts',
      platformArgs(tree, 'sqlite', `idle-${index}`),
      {},
      (server) => measureIdle(server, 'platform', count),
    );
    record({ scenario: 'idle', contender: tree.label, ...result });
  }
}

if (only.has('streaming')) {
  const { startFakeOpenAi } = await import('../packages/server/src/testing/fake-openai-server.ts');
  const tokens = Number(values.tokens);
  const paceMs = Number(values.pace);
  const reply = Array.from({ length: tokens }, (_, index) => `word${index} `);
  const fake = await startFakeOpenAi({ reply, chunkDelayMs: paceMs });
  const env = {
    RESPONDER: 'assistant',
    LLM_PROVIDER: 'openai-compatible',
    LLM_BASE_URL: fake.url,
    LLM_MODEL: 'fake-model',
    LLM_MAX_RETRIES: '0',
    OUTBOUND_ALLOW: '127.0.0.1',
  };
  for (const [index, tree] of trees.entries()) {
    const result = await withServer(
      'platform.ts',
      platformArgs(tree, 'sqlite', `stream-${index}`),
      env,
      (server) => measureStreaming(server, fake, { tokens, paceMs, runs: Number(values.runs) }),
    );
    record({ scenario: 'streaming', contender: tree.label, ...result });
  }
  await fake.close();
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: round(totalmem() / 1024 ** 3, 1),
  kernel: execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim(),
  pinned: hasTaskset() ? 'servers on core 0, load generator on core 1 (taskset)' : 'not pinned (no taskset)',
};
const run = {
  date: new Date().toISOString(),
  commit: `${commit}${dirty ? ' (with uncommitted changes)' : ''}`,
  before: values.before ?? null,
  node: process.version,
  machine,
  seconds,
  rows,
};
const results = join(here, 'results');
mkdirSync(results, { recursive: true });
const name = `${run.date.slice(0, 19).replaceAll(':', '-')}-${commit}`;
writeFileSync(join(results, `${name}.json`), `${JSON.stringify(run, null, 2)}\n`);
const markdown = renderMarkdown(run);
writeFileSync(join(results, `${name}.md`), markdown);
writeFileSync(join(results, 'latest.md'), markdown);
console.log(`\n${markdown}\nWritten to bench/results/${name}.{json,md}`);
rmSync(dataRoot, { recursive: true, force: true });
