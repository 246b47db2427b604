/**
 * Runs the platform as a real operating-system process, the way `npm start` and `npm run cli` do,
 * so tests can kill it, signal it and restart it on the same data. Every process started here is
 * remembered until it has exited, so `stopAllPlatforms()` in an `afterEach` never leaves one behind.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The monorepo root: the working directory of every process, as for the npm scripts. */
export const repositoryRoot = fileURLToPath(new URL('../../', import.meta.url));

/** The command-line entry point, relative to the repository root. */
const CLI_ENTRY = 'packages/server/src/cli/main.ts';

/** How long a server may take from spawn to listening: about half a second here, far more on a loaded CI machine. */
const LISTEN_TIMEOUT_MS = 20_000;

/** How long a CLI command may run before the test gives up on it. */
const CLI_TIMEOUT_MS = 20_000;

/**
 * Variables the tests set explicitly. They are removed from the inherited environment first, so a
 * developer's shell (say, a DATABASE_URL exported for manual runs) cannot change what a test runs against.
 */
const CONTROLLED_VARIABLES = [
  'PORT',
  'HOST',
  'DATA_DIR',
  'DATABASE_URL',
  'LOG_LEVEL',
  'MIPTECH_ENV',
  'MIPTECH_DEMO',
  'OPEN_REGISTRATION',
  'CORS_ORIGINS',
  'JWT_SECRET',
  'REDIS_URL',
  'TRUST_PROXY',
  'RESPONDER',
  'LLM_PROVIDER',
  'LLM_BASE_URL',
  'LLM_API_KEY',
  'LLM_MODEL',
  'LLM_MAX_TOKENS',
  'LLM_TIMEOUT_MS',
  'LLM_MAX_RETRIES',
  'EMBEDDING_PROVIDER',
  'EMBEDDING_BASE_URL',
  'EMBEDDING_API_KEY',
  'EMBEDDING_MODEL',
  'EMBEDDING_TIMEOUT_MS',
];

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningPlatform {
  child: ChildProcess;
  /** `http://127.0.0.1:<port>`, from the server's own "listening" log line. */
  url: string;
  /** Everything written to stdout so far (pino JSON lines). */
  stdout(): string;
  /** Everything written to stderr so far. */
  stderr(): string;
  /** Settles once the process has exited and its output is fully read. */
  exited: Promise<ExitStatus>;
}

export interface PlatformEnvironment {
  /** Directory of the SQLite file; also set when `databaseUrl` is, so nothing lands in the repository. */
  dataDirectory: string;
  /** PostgreSQL connection string; SQLite when absent. */
  databaseUrl?: string;
  /** Further variables, applied last. */
  extra?: Record<string, string>;
}

const livePlatforms = new Set<ChildProcess>();

/** The environment of a platform process: the inherited one, minus what the tests control, plus `options`. */
export function platformEnvironment(options: PlatformEnvironment): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = { ...process.env };
  for (const name of CONTROLLED_VARIABLES) delete environment[name];
  return {
    ...environment,
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: options.dataDirectory,
    LOG_LEVEL: 'info',
    // The assistant answers only where a test asks for it, so message counts stay the test's own.
    RESPONDER: 'none',
    ...(options.databaseUrl ? { DATABASE_URL: options.databaseUrl } : {}),
    ...options.extra,
  };
}

/** Spawns `main.ts start` without waiting for anything; see {@link startPlatform}. */
export function spawnPlatform(options: PlatformEnvironment): {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<ExitStatus>;
} {
  const child = spawn(process.execPath, [CLI_ENTRY, 'start'], {
    cwd: repositoryRoot,
    env: platformEnvironment(options),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  livePlatforms.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  // 'close' rather than 'exit': it comes after stdout and stderr have ended, so the log is complete.
  const exited = new Promise<ExitStatus>((resolve) => {
    child.once('close', (code, signal) => {
      livePlatforms.delete(child);
      resolve({ code, signal });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Starts a server on a free port and resolves once it is listening. */
export async function startPlatform(options: PlatformEnvironment): Promise<RunningPlatform> {
  const spawned = spawnPlatform(options);
  const describe = () => `\n--- stdout ---\n${spawned.stdout()}\n--- stderr ---\n${spawned.stderr()}`;
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanUp();
      reject(new Error(`The platform did not listen within ${LISTEN_TIMEOUT_MS} ms${describe()}`));
    }, LISTEN_TIMEOUT_MS);
    const onData = () => {
      const url = listeningUrlIn(spawned.stdout());
      if (url) {
        cleanUp();
        resolve(url);
      }
    };
    const onClose = (code: number | null, signal: NodeJS.Signals | null) => {
      cleanUp();
      reject(new Error(`The platform exited before listening (code ${code}, signal ${signal})${describe()}`));
    };
    const onError = (error: Error) => {
      cleanUp();
      reject(new Error(`The platform could not be spawned: ${error.message}`));
    };
    function cleanUp() {
      clearTimeout(timer);
      spawned.child.stdout?.off('data', onData);
      spawned.child.off('close', onClose);
      spawned.child.off('error', onError);
    }
    spawned.child.stdout?.on('data', onData);
    spawned.child.once('close', onClose);
    spawned.child.once('error', onError);
  });
  return { ...spawned, url };
}

/** The URL from the "listening" log line in `stdout`, once that line is complete. */
function listeningUrlIn(stdout: string): string | undefined {
  for (const line of stdout.split('\n')) {
    if (!line.includes('MIPTech AI Platform listening on')) continue;
    try {
      const record = JSON.parse(line) as { msg?: unknown; url?: unknown };
      if (typeof record.msg === 'string' && record.msg.startsWith('MIPTech AI Platform listening on')) {
        if (typeof record.url === 'string') return record.url;
      }
    } catch {
      // The line is still arriving; the next chunk completes it.
    }
  }
  return undefined;
}

/** Parses the pino JSON lines of a process's stdout, skipping anything that is not JSON. */
export function logRecords(stdout: string): Array<Record<string, unknown>> {
  const records: Array<Record<string, unknown>> = [];
  for (const line of stdout.split('\n')) {
    if (!line.trim()) continue;
    try {
      records.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      // Not a log record (or a partial last line); irrelevant to the assertions.
    }
  }
  return records;
}

/** Rejects with `what` in the message when `promise` takes longer than `timeoutMs`. */
export async function within<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves with the exit status, or rejects if the process is still running after `timeoutMs`. */
export function exitWithin(
  platform: { exited: Promise<ExitStatus> },
  timeoutMs: number,
): Promise<ExitStatus> {
  return within(platform.exited, timeoutMs, 'the process to exit');
}

/** Kills every platform process still running (SIGKILL) and waits until each has exited. */
export async function stopAllPlatforms(): Promise<void> {
  const waits = [...livePlatforms].map(
    (child) =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) {
          livePlatforms.delete(child);
          resolve();
          return;
        }
        child.once('close', () => resolve());
        child.kill('SIGKILL');
      }),
  );
  await Promise.all(waits);
}

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs one CLI command (`main.ts <args>`) to completion. */
export function runCli(args: string[], options: PlatformEnvironment): CliResult {
  const result = spawnSync(process.execPath, [CLI_ENTRY, ...args], {
    cwd: repositoryRoot,
    env: platformEnvironment(options),
    encoding: 'utf8',
    timeout: CLI_TIMEOUT_MS,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * One TCP connection speaking HTTP/1.1 by hand, for what `fetch` cannot do: send a request in
 * pieces, or pipeline a second request behind the first. Responses must carry Content-Length,
 * which every platform response does.
 */
export class RawHttpConnection {
  readonly #socket: Socket;
  #received = Buffer.alloc(0);
  #closed = false;
  #onChange: (() => void) | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.#received = Buffer.concat([this.#received, chunk]);
      this.#onChange?.();
    });
    socket.on('close', () => {
      this.#closed = true;
      this.#onChange?.();
    });
    // A reset shows as 'close' too; without a listener the 'error' event would crash the test run.
    socket.on('error', () => {});
  }

  static async open(baseUrl: string): Promise<RawHttpConnection> {
    const { hostname, port } = new URL(baseUrl);
    const socket = connect(Number(port), hostname);
    await once(socket, 'connect');
    return new RawHttpConnection(socket);
  }

  write(text: string): void {
    this.#socket.write(text);
  }

  /** The next complete response; rejects if the connection closes first or nothing comes in time. */
  nextResponse(timeoutMs = 10_000): Promise<RawResponse> {
    return new Promise<RawResponse>((resolve, reject) => {
      const timer = setTimeout(
        () => finish(new Error(`No complete response within ${timeoutMs} ms`)),
        timeoutMs,
      );
      const finish = (error: Error | undefined, response?: RawResponse) => {
        clearTimeout(timer);
        this.#onChange = undefined;
        if (error) reject(error);
        else resolve(response as RawResponse);
      };
      this.#onChange = () => {
        const response = this.#takeResponse();
        if (response) finish(undefined, response);
        else if (this.#closed) finish(new Error('The connection closed before a complete response'));
      };
      this.#onChange();
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  /** Removes one complete response from the front of what was received, if there is one. */
  #takeResponse(): RawResponse | undefined {
    const headerEnd = this.#received.indexOf('\r\n\r\n');
    if (headerEnd < 0) return undefined;
    const [statusLine = '', ...headerLines] = this.#received
      .subarray(0, headerEnd)
      .toString('latin1')
      .split('\r\n');
    const headers: Record<string, string> = {};
    for (const line of headerLines) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const bodyStart = headerEnd + 4;
    const bodyEnd = bodyStart + Number(headers['content-length'] ?? 0);
    if (this.#received.length < bodyEnd) return undefined;
    const body = this.#received.subarray(bodyStart, bodyEnd).toString('utf8');
    this.#received = this.#received.subarray(bodyEnd);
    return { status: Number(statusLine.split(' ')[1]), headers, body };
  }
}
