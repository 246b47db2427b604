/** The Markdown report: every measurement, then the issue's targets as ratios within this run. */
import { round } from './stats.ts';

export type Row = Record<string, string | number | null | undefined> & {
  scenario: string;
  contender: string;
};

interface Run {
  date: string;
  commit: string;
  before: string | null;
  node: string;
  machine: Record<string, string | number>;
  seconds: number;
  rows: Row[];
}

const format = (value: unknown) =>
  typeof value === 'number' ? String(round(value, value < 10 ? 2 : 0)) : String(value ?? '');

function table(rows: Row[]): string {
  const columns = [...new Set(rows.flatMap((row) => Object.keys(row)))].filter((key) => key !== 'scenario');
  return [
    `| ${columns.join(' | ')} |`,
    `|${columns.map(() => '---').join('|')}|`,
    ...rows.map((row) => `| ${columns.map((key) => format(row[key])).join(' | ')} |`),
  ].join('\n');
}

function find(rows: Row[], scenario: string, contender: string, extra: Partial<Row> = {}): Row | undefined {
  return rows.find(
    (row) =>
      row.scenario === scenario &&
      row.contender === contender &&
      Object.entries(extra).every(([key, value]) => row[key] === value),
  );
}

/** One target line per platform tree: the measured ratio or value, the target, and whether it is met. */
function targets(run: Run): string {
  const platforms = [
    ...new Set(run.rows.filter((row) => row.contender.startsWith('platform')).map((row) => row.contender)),
  ];
  const lines = ['| measure | contender | measured | target | met |', '|---|---|---:|---:|---|'];
  const ratio = (a: unknown, b: unknown) =>
    typeof a === 'number' && typeof b === 'number' ? a / b : Number.NaN;
  const line = (
    measure: string,
    contender: string,
    value: number,
    target: string,
    met: boolean,
    unit = '×',
  ) =>
    lines.push(
      `| ${measure} | ${contender} | ${Number.isNaN(value) ? 'n/a' : `${round(value, 2)}${unit}`} | ${target} | ${Number.isNaN(value) ? 'not measured' : met ? 'yes' : 'no'} |`,
    );
  for (const platform of platforms) {
    const rest = (store: string, bare: string) =>
      ratio(
        find(run.rows, 'rest', platform, { store })?.requestsPerSecond,
        find(run.rows, 'rest', bare, { store })?.requestsPerSecond,
      );
    const sqlite = rest('sqlite', 'bare Fastify + node:sqlite');
    line('REST req/s vs bare Fastify + SQLite', platform, sqlite, '≥ 1.0×', sqlite >= 1);
    const pg = rest('postgres', 'bare Fastify + pg');
    line('REST req/s vs bare pg route', platform, pg, '≥ 0.8×', pg >= 0.8);
    const p99 = ratio(
      find(run.rows, 'round-trip', platform)?.p99Ms,
      find(run.rows, 'round-trip', 'bare ws echo + node:sqlite commit')?.p99Ms,
    );
    line('round trip p99 vs durable bare ws echo', platform, p99, '≤ 1.3×', p99 <= 1.3);
    for (const receivers of [200, 1000]) {
      const own = find(run.rows, 'fan-out', platform, { receivers })?.deliveriesPerCpuSecond;
      const ws = ratio(
        own,
        find(run.rows, 'fan-out', 'bare ws broadcast', { receivers })?.deliveriesPerCpuSecond,
      );
      line(`fan-out deliveries/CPU-s vs bare ws (${receivers})`, platform, ws, '≥ 0.9×', ws >= 0.9);
      const sio = ratio(
        own,
        find(run.rows, 'fan-out', 'Socket.IO room', { receivers })?.deliveriesPerCpuSecond,
      );
      line(`fan-out deliveries/CPU-s vs Socket.IO (${receivers})`, platform, sio, '≥ 1.5×', sio >= 1.5);
    }
    // One pair of lines per idle count (`--idle 10000,100000`), named by the count reached.
    const idleRows = run.rows.filter((row) => row.scenario === 'idle' && row.contender === platform);
    for (const idle of idleRows.length > 0 ? idleRows : [undefined]) {
      const at = idle ? ` (${idle.sockets} sockets)` : '';
      const heap = Number(idle?.heapPerSocketKiB ?? Number.NaN);
      line(`heap per idle socket${at}`, platform, heap, '≤ 6 KiB', heap <= 6, ' KiB');
      const rss = Number(idle?.rssPerSocketKiB ?? Number.NaN);
      line(`RSS per idle socket${at}`, platform, rss, '≤ 10 KiB', rss <= 10, ' KiB');
    }
    const ttft = Number(find(run.rows, 'streaming', platform)?.addedTtftMs ?? Number.NaN);
    line('added time to first token, median', platform, ttft, '≤ 2 ms', ttft <= 2, ' ms');
    const llmPath = Number(find(run.rows, 'streaming', platform)?.addedAfterReplyStartMs ?? Number.NaN);
    line('of which after `response_start` (the LLM path)', platform, llmPath, '—', llmPath <= 2, ' ms');
  }
  lines.push(
    '| loader / widget gzip | — | n/a | ≤ 4 KB / ≤ 45 KB | measured by `e2e/widget-weight.test.ts`, not here |',
  );
  return lines.join('\n');
}

export function renderMarkdown(run: Run): string {
  const scenarios = [...new Set(run.rows.map((row) => row.scenario))];
  return [
    `# Benchmark ${run.date}`,
    '',
    `Commit ${run.commit}${run.before ? `, before = ${run.before}` : ''}; Node ${run.node}; ${run.machine.cpu}, ${run.machine.cores} cores, ${run.machine.memoryGiB} GiB, ${run.machine.kernel}; ${run.machine.pinned}; ${run.seconds} s per measurement.`,
    ...(run.machine.fileLimit
      ? [
          '',
          `Limits: file descriptors per process ${run.machine.fileLimit} (one per socket; raised to the hard limit for servers and idle clients), ephemeral ports ${run.machine.ephemeralPorts} per source address.`,
        ]
      : []),
    '',
    '## Targets (ratios within this run)',
    '',
    targets(run),
    '',
    ...scenarios.flatMap((scenario) => [
      `## ${scenario}`,
      '',
      table(run.rows.filter((row) => row.scenario === scenario)),
      '',
    ]),
  ].join('\n');
}
