/**
 * Runs a benchmark server in its own process, pinned to its own core where `taskset` exists, so
 * the load generator (this process) never competes with it for CPU. The server reports its port
 * over IPC and answers `memory` requests (after a full GC) the same way.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Core the servers run on; the load generator runs on the other one (see bench/run.ts). */
export const SERVER_CORE = 0;
export const LOAD_CORE = 1;

export function hasTaskset(): boolean {
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export interface ServerProcess {
  child: ChildProcess;
  port: number;
  /** User + system CPU seconds the server process has used so far (from /proc). */
  cpuSeconds(): number;
  /** Open file descriptors and their soft limit, from /proc: how many more sockets fit. */
  files(): { open: number; limit: number };
  /** Resident set size, in bytes (from /proc). */
  rssBytes(): number;
  /** The server's own view after a full GC: heap used and RSS, in bytes. */
  memory(): Promise<{ heapUsed: number; rss: number }>;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100;

/** The file-descriptor limit the benchmark asks for: enough for 100 000 sockets and their peers. */
export const WANTED_FILE_LIMIT = 1_048_576;

/**
 * Wraps a command so that it runs with the highest file-descriptor limit this machine grants: first
 * {@link WANTED_FILE_LIMIT} (needs CAP_SYS_RESOURCE or a high hard limit), else the hard limit
 * (`ulimit -Hn`), else whatever it inherited. Every socket is a descriptor, so this caps how many
 * idle sockets one process can hold; `files()` reads the limit the process really got.
 */
export function withFileLimit(command: string[]): string[] {
  const raise = `ulimit -n ${WANTED_FILE_LIMIT} 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$@"`;
  return ['sh', '-c', raise, 'sh', ...command];
}

/** Starts `bench/servers/<script>` with `args`; resolves once it listens. */
export async function startServer(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const path = fileURLToPath(new URL(`../servers/${script}`, import.meta.url));
  const nodeArgs = ['--expose-gc', '--no-warnings', path, ...args];
  const pinned = hasTaskset() ? ['taskset', '-c', String(SERVER_CORE)] : [];
  const [command, ...commandArgs] = withFileLimit([...pinned, process.execPath, ...nodeArgs]);
  const child = spawn(command ?? 'sh', commandArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'ready' && message.port) resolve(message.port);
    });
  });
  // `sh` execs `taskset`, which execs node, so the child's pid is the server's own.
  const pid = child.pid ?? 0;
  return {
    child,
    port,
    cpuSeconds() {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      // utime and stime are fields 14 and 15 of stat; 12 and 13 after the "pid (comm) " prefix.
      return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
    },
    files() {
      const limits = readFileSync(`/proc/${pid}/limits`, 'utf8');
      const limit = Number(/Max open files\s+(\d+)/.exec(limits)?.[1] ?? Number.POSITIVE_INFINITY);
      return { open: readdirSync(`/proc/${pid}/fd`).length, limit };
    },
    rssBytes() {
      const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      return Number(match?.[1] ?? 0) * 1024;
    },
    memory() {
      return new Promise((resolve) => {
        const onMessage = (message: { type?: string; heapUsed?: number; rss?: number }) => {
          if (message.type !== 'memory') return;
          child.off('message', onMessage);
          resolve({ heapUsed: message.heapUsed ?? 0, rss: message.rss ?? 0 });
        };
        child.on('message', onMessage);
        child.send({ type: 'memory' });
      });
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
