/**
 * Idle client sockets by the ten thousand: spread over child processes (bench/lib/idle-client-process.ts),
 * each with its own loopback source address, so neither this process's file descriptors nor one
 * address's ephemeral ports bound the count.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { withFileLimit } from './server-process.ts';

/**
 * Sockets per client process: below one source address's ephemeral ports (60999 − 32768 ≈ 28 k
 * by default) and below a common hard descriptor limit of 20 000.
 */
const SOCKETS_PER_PROCESS = 15_000;

/** Descriptors a process needs besides its sockets (stdio, IPC, the event loop, node's own). */
export const SPARE_FILES = 64;

/**
 * Source addresses already used in this run. Ports a measurement's sockets used sit in TIME_WAIT
 * for a minute after they close; a fresh address per client process leaves them alone.
 */
let nextAddress = 2;
function freshSourceAddress(): string {
  while (nextAddress % 256 === 0 || nextAddress % 256 === 255) nextAddress += 1;
  const address = `127.0.${Math.floor(nextAddress / 256)}.${nextAddress % 256}`;
  nextAddress += 1;
  return address;
}

/** This process's hard descriptor limit: what its children can raise theirs to without privileges. */
function hardFileLimit(): number {
  const line = /Max open files\s+\S+\s+(\S+)/.exec(readFileSync('/proc/self/limits', 'utf8'));
  const hard = Number(line?.[1]);
  return Number.isFinite(hard) ? hard : Number.POSITIVE_INFINITY;
}

export interface IdleSockets {
  /** Sockets open and idle. */
  opened: number;
  /** Why fewer than asked for were opened (the first error a client saw), if they were. */
  stoppedBy?: string;
  /** The client processes' resident memory, summed: what the load generator pays for them. */
  clientRssBytes: number;
  /** Source addresses the sockets came from. */
  sourceAddresses: string[];
  close(): Promise<void>;
}

/**
 * Opens `count` idle sockets to `url`, one client process after another, stopping at the first
 * process that could not open its share (the machine refused more), and reporting how many it got.
 * With `expect`, a socket is open once a frame containing that text arrives.
 */
export async function openIdleSockets(url: string, count: number, expect?: string): Promise<IdleSockets> {
  const script = fileURLToPath(new URL('./idle-client-process.ts', import.meta.url));
  const perProcess = Math.max(1, Math.min(SOCKETS_PER_PROCESS, hardFileLimit() - SPARE_FILES));
  const children: ChildProcess[] = [];
  const sourceAddresses: string[] = [];
  let opened = 0;
  let clientRssBytes = 0;
  let stoppedBy: string | undefined;
  while (opened < count && !stoppedBy) {
    const share = Math.min(perProcess, count - opened);
    const from = freshSourceAddress();
    const args = ['--no-warnings', script, '--url', url, '--from', from, '--count', String(share)];
    const [command, ...commandArgs] = withFileLimit([
      process.execPath,
      ...args,
      ...(expect ? ['--expect', expect] : []),
    ]);
    const child = spawn(command ?? 'sh', commandArgs, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    sourceAddresses.push(from);
    const done = await new Promise<{ opened: number; rss?: number; stoppedBy?: string }>((resolve) => {
      let progress = 0;
      child.on('message', (message: { type?: string; opened?: number; rss?: number; stoppedBy?: string }) => {
        if (message.type === 'progress') progress = message.opened ?? progress;
        if (message.type === 'done')
          resolve({
            opened: message.opened ?? 0,
            rss: message.rss ?? 0,
            ...(message.stoppedBy ? { stoppedBy: message.stoppedBy } : {}),
          });
      });
      // A client process that dies (out of memory) took its sockets with it.
      child.once('exit', (code, signal) =>
        resolve({ opened: 0, stoppedBy: `client process exited (${signal ?? code}) at ${progress} sockets` }),
      );
    });
    opened += done.opened;
    clientRssBytes += done.rss ?? 0;
    stoppedBy = done.stoppedBy ?? (done.opened < share ? 'client process stopped short' : undefined);
  }
  return {
    opened,
    ...(stoppedBy ? { stoppedBy } : {}),
    clientRssBytes,
    sourceAddresses,
    async close() {
      await Promise.all(
        children.map((child) => {
          if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
          const exited = new Promise((resolve) => child.once('exit', resolve));
          if (child.connected) child.send({ type: 'close' });
          else child.kill('SIGKILL');
          return exited;
        }),
      );
    },
  };
}
