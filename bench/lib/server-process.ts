/**
 * Runs a benchmark server in its own process, pinned to its own core where `taskset` exists, so
 * the load generator (this process) never competes with it for CPU. The server reports its port
 * over IPC and answers `memory` requests (after a full GC) the same way.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  /** Resident set size, in bytes (from /proc). */
  rssBytes(): number;
  /** The server's own view after a full GC: heap used and RSS, in bytes. */
  memory(): Promise<{ heapUsed: number; rss: number }>;
  stop(): Promise<void>;
}

const TICKS_PER_SECOND = 100;

/** Starts `bench/servers/<script>` with `args`; resolves once it listens. */
export async function startServer(
  script: string,
  args: string[] = [],
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const path = fileURLToPath(new URL(`../servers/${script}`, import.meta.url));
  const nodeArgs = ['--expose-gc', '--no-warnings', path, ...args];
  const command = hasTaskset() ? 'taskset' : process.execPath;
  const commandArgs = hasTaskset() ? ['-c', String(SERVER_CORE), process.execPath, ...nodeArgs] : nodeArgs;
  const child = spawn(command, commandArgs, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${script} exited with ${code} before listening`)));
    child.on('message', (message: { type?: string; port?: number }) => {
      if (message.type === 'ready' && message.port) resolve(message.port);
    });
  });
  // `taskset` execs node, so the child's pid is the server's own.
  const pid = child.pid ?? 0;
  return {
    child,
    port,
    cpuSeconds() {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
      // utime and stime are fields 14 and 15 of stat; 12 and 13 after the "pid (comm) " prefix.
      return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND;
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
