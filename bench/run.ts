/**
 * `npm run bench`: every scenario against its baselines in one run, on loopback only, servers in
 * their own process pinned to core 0 and this load generator on core 1 (where `taskset` exists),
 * each measurement bounded in time. Writes bench/results/<date>-<commit>.{json,md} and latest.md.
 *
 * Options: --before COMMIT  also run the platform as of COMMIT (before/after in the same run)
 *          --only rest,round-trip,fan-out,fan-out-chats,fan-out-cluster,idle,streaming
 *          --seconds N (default 4)   --runs N (default 1): each measurement N times, contenders
 *          taking turns, and the median of the N reported
 *          --idle N[,N…] (default 10000): idle sockets, one comparison per count   --tokens N (50)   --pace MS (10)   --replies N (15)
 *          --spike  also run REST with the storage spike's message half (decision 013)
 * The widget scenario is not here: `e2e/widget-weight.test.ts` measures it.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type Row, renderMarkdown } from './lib/render.ts';
import { hasTaskset, LOAD_CORE, type ServerProcess, startServer } from './lib/server-process.ts';
import { median, round } from './lib/stats.ts';
import { measureFanOut } from './scenarios/fan-out.ts';
import { measureIdle } from './scenarios/idle.ts';
import { measureRest } from './scenarios/rest.ts';
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
    only: { type: 'string', default: 'rest,round-trip,fan-out,fan-out-chats,fan-out-cluster,idle,streaming' },
    seconds: { type: 'string', default: '4' },
    idle: { type: 'string', default: '10000' },
    tokens: { type: 'string', default: '50' },
    pace: { type: 'string', default: '10' },
    runs: { type: 'string', default: '1' },
    replies: { type: 'string', default: '15' },
    spike: { type: 'boolean', default: false },
  },
});
const only = new Set(values.only.split(','));
const seconds = Number(values.seconds);
const runs = Math.max(1, Number(values.runs));
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

/** A contender of a scenario: its row's labels, and one measurement (a fresh server each time). */
interface Contender {
  row: Row;
  measure: () => Promise<object>;
}

/**
 * Measures every contender `runs` times, taking turns (so a burst of load on the shared machine
 * hits all of them alike), and records the median of each figure.
 */
async function compare(contenders: Contender[]): Promise<void> {
  const samples = contenders.map(() => [] as Array<Record<string, unknown>>);
  for (let run = 0; run < runs; run += 1) {
    for (const [index, contender] of contenders.entries()) {
      const sample = (await contender.measure()) as Record<string, unknown>;
      samples[index]?.push(sample);
      if (runs > 1)
        console.log(`  run ${run + 1}/${runs}: ${contender.row.contender} ${JSON.stringify(sample)}`);
    }
  }
  for (const [index, contender] of contenders.entries()) {
    const taken = samples[index] ?? [];
    const figures = Object.fromEntries(
      Object.keys(taken[0] ?? {}).map((key) => {
        const values = taken.map((sample) => sample[key]);
        return [
          key,
          values.every((value) => typeof value === 'number') ? median(values as number[]) : values[0],
        ];
      }),
    ) as Record<string, string | number>;
    record({ ...contender.row, ...figures, ...(runs > 1 ? { runs } : {}) });
  }
}

const platforms =
  (scenario: string, store: string, name: string, extra: Partial<Row> = {}, env = {}) =>
  (measure: (server: ServerProcess) => Promise<object>): Contender[] =>
    trees.map((tree, index) => ({
      row: { scenario, contender: tree.label, store, ...extra },
      measure: () => withServer('platform.ts', platformArgs(tree, store, `${name}-${index}`), env, measure),
    }));

if (only.has('rest')) {
  for (const store of ['sqlite', 'postgres'] as const) {
    // With --spike, this checkout again with the message half of decision 013's spike (Kysely):
    // further contenders of the same run, taking turns with the others.
    const spikes = values.spike
      ? [
          { label: 'platform, Kysely messages (spike)', messages: 'kysely' },
          // PostgreSQL only: Kysely's stock pg driver, which does not name (prepare) statements.
          { label: 'platform, Kysely messages, unnamed statements', messages: 'kysely-unnamed' },
        ].filter((spike) => store === 'postgres' || spike.messages === 'kysely')
      : [];
    await compare([
      {
        row: {
          scenario: 'rest',
          store,
          contender: `bare Fastify + ${store === 'sqlite' ? 'node:sqlite' : 'pg'}`,
        },
        measure: () =>
          withServer(
            'bare-http.ts',
            ['--store', store, '--data', join(dataRoot, `bare-${store}`)],
            {},
            (server) => measureRest(server, 'bare', seconds),
          ),
      },
      ...platforms('rest', store, `rest-${store}`)((server) => measureRest(server, 'platform', seconds)),
      ...spikes.map((spike) => ({
        row: { scenario: 'rest', store, contender: spike.label },
        measure: () =>
          withServer(
            'platform.ts',
            [
              ...platformArgs({ root }, store, `rest-${store}-${spike.messages}`),
              '--messages',
              spike.messages,
            ],
            {},
            (server) => measureRest(server, 'platform', seconds),
          ),
      })),
    ]);
  }
}

if (only.has('round-trip')) {
  await compare([
    {
      row: { scenario: 'round-trip', contender: 'bare ws echo' },
      measure: () =>
        withServer('bare-ws.ts', ['--mode', 'echo'], {}, (server) =>
          measureRoundTrip(server, 'bare', seconds),
        ),
    },
    {
      row: { scenario: 'round-trip', contender: 'bare ws echo + node:sqlite commit' },
      measure: () =>
        withServer('bare-ws.ts', ['--mode', 'durable', '--data', join(dataRoot, 'durable')], {}, (server) =>
          measureRoundTrip(server, 'bare', seconds),
        ),
    },
    ...platforms('round-trip', 'sqlite', 'rt')((server) => measureRoundTrip(server, 'platform', seconds)),
  ]);
}

/** Fan-out contenders: bare `ws` rooms, Socket.IO rooms, and the platform on SQLite. */
const fanOut = (scenario: string, receivers: number, chats: number): Contender[] => [
  {
    row: { scenario, contender: 'bare ws broadcast' },
    measure: () =>
      withServer('bare-ws.ts', ['--mode', 'broadcast'], {}, (server) =>
        measureFanOut([server], 'bare-ws', receivers, seconds, chats),
      ),
  },
  {
    row: { scenario, contender: 'Socket.IO room' },
    measure: () =>
      withServer('socketio-room.ts', [], {}, (server) =>
        measureFanOut([server], 'socket.io', receivers, seconds, chats),
      ),
  },
  ...platforms(
    scenario,
    'sqlite',
    `${scenario}-${receivers}`,
  )((server) => measureFanOut([server], 'platform', receivers, seconds, chats)),
];

if (only.has('fan-out')) {
  for (const receivers of [200, 1000]) await compare(fanOut('fan-out', receivers, 1));
}

if (only.has('fan-out-chats')) {
  // Many chats: 1000 sockets in 50 chats of 20.
  await compare(fanOut('fan-out-chats', 1000, 50));
}

if (only.has('fan-out-cluster')) {
  // Two platform instances on one PostgreSQL schema and one Redis bus; sockets and senders spread
  // over both, so most deliveries cross from one instance to the other through Redis.
  const redisUrl = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
  await compare(
    trees.map((tree, index) => ({
      row: { scenario: 'fan-out-cluster', contender: `${tree.label} ×2`, store: 'postgres + redis' },
      measure: async () => {
        const schema = `bench_cluster_${process.pid}_${index}_${Date.now()}`;
        const args = (instance: number) => [
          ...platformArgs(tree, 'postgres', `cluster-${index}-${instance}`),
          '--schema',
          schema,
        ];
        return withServer('platform.ts', args(0), { REDIS_URL: redisUrl }, (first) =>
          withServer('platform.ts', args(1), { REDIS_URL: redisUrl }, (second) =>
            measureFanOut([first, second], 'platform', 200, seconds, 1),
          ),
        );
      },
    })),
  );
}

if (only.has('idle')) {
  // One comparison per count asked for (`--idle 10000,100000`); each row says the count reached.
  for (const count of values.idle.split(',').map(Number)) {
    await compare([
      {
        row: { scenario: 'idle', contender: 'bare ws', requested: count },
        measure: () =>
          withServer('bare-ws.ts', ['--mode', 'idle'], {}, (server) => measureIdle(server, 'bare-ws', count)),
      },
      ...platforms('idle', 'sqlite', `idle-${count}`, { requested: count })((server) =>
        measureIdle(server, 'platform', count),
      ),
    ]);
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
  await compare(
    platforms(
      'streaming',
      'sqlite',
      'stream',
      {},
      env,
    )((server) => measureStreaming(server, fake, { tokens, paceMs, replies: Number(values.replies) })),
  );
  await fake.close();
}

const machine = {
  cpu: cpus()[0]?.model ?? 'unknown',
  cores: cpus().length,
  memoryGiB: round(totalmem() / 1024 ** 3, 1),
  kernel: execFileSync('uname', ['-sr'], { encoding: 'utf8' }).trim(),
  // What bounds the idle scenario: descriptors per process (one per socket) and ports per source address.
  fileLimit:
    /Max open files\s+(\S+)\s+(\S+)/
      .exec(readFileSync('/proc/self/limits', 'utf8'))
      ?.slice(1)
      .join(' soft / ')
      .concat(' hard') ?? 'unknown',
  ephemeralPorts: readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().replace(/\s+/, '–'),
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
