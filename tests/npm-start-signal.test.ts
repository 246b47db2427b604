/**
 * `npm start` as a container runs it: the signal goes to npm, and must reach the server. With a
 * plain `node …` script npm's shell stays between them, dies of the SIGTERM npm forwards, and
 * the server is left running as an orphan that keeps answering. The script `exec`s, so npm's
 * child *is* the server.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, expect, it } from 'vitest';
import { logRecords, platformEnvironment, repositoryRoot, within } from './support/spawn-platform.ts';

const START_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 12_000;

/** Whether a process exists (signal 0 checks without sending anything). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** True when something answers HTTP at `url`. */
async function answers(url: string): Promise<boolean> {
  try {
    await fetch(url, { signal: AbortSignal.timeout(1000) });
    return true;
  } catch {
    return false;
  }
}

const cleanUps: Array<() => void> = [];
afterEach(() => {
  for (const cleanUp of cleanUps.splice(0)) cleanUp();
});

it(
  'stops the server when npm start receives SIGTERM: the port closes and no server process remains',
  async () => {
    const dataDirectory = mkdtempSync(join(tmpdir(), 'miptech-npm-start-'));
    const npm = spawn('npm', ['start'], {
      cwd: repositoryRoot,
      env: platformEnvironment({ dataDirectory, extra: { MIPTECH_DEMO: 'false' } }),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    npm.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    npm.stderr.resume();
    const npmExited = new Promise<number | null>((resolve) => npm.once('close', (code) => resolve(code)));
    let serverPid: number | undefined;
    cleanUps.push(() => {
      // Only the processes this test started, by their ids, whatever the assertions found.
      if (serverPid !== undefined && isRunning(serverPid)) process.kill(serverPid, 'SIGKILL');
      if (npm.exitCode === null && npm.signalCode === null) npm.kill('SIGKILL');
      rmSync(dataDirectory, { recursive: true, force: true });
    });

    // The "listening" log line carries the server's URL and, from pino, the server's own pid.
    const listening = await within(
      (async () => {
        for (;;) {
          const record = logRecords(stdout).find((line) => typeof line.url === 'string' && line.store);
          if (record) return record as { url: string; pid: number };
          await sleep(50);
        }
      })(),
      START_TIMEOUT_MS,
      `npm start to listen; output so far:\n${stdout}`,
    );
    serverPid = listening.pid;
    expect(serverPid).not.toBe(npm.pid);
    const ready = await fetch(new URL('/api/v1/ready', listening.url));
    expect(ready.status).toBe(200);

    npm.kill('SIGTERM');

    expect(await within(npmExited, STOP_TIMEOUT_MS, 'npm to exit')).toBe(0);
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (isRunning(serverPid) && Date.now() < deadline) await sleep(50);
    expect(isRunning(serverPid), 'the server process outlived npm').toBe(false);
    expect(await answers(new URL('/api/v1/ready', listening.url).href)).toBe(false);
    // It shut down gracefully, not by being killed.
    expect(logRecords(stdout).some((record) => record.msg === 'shutting down')).toBe(true);
  },
  START_TIMEOUT_MS + 2 * STOP_TIMEOUT_MS,
);
