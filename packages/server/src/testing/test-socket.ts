/** A WebSocket client for tests: records every frame and waits for the ones a test expects. */
import WebSocket, { type ClientOptions } from 'ws';

export type Frame = Record<string, unknown>;

/** A socket that records every frame, with helpers to wait for some. */
export class TestSocket {
  readonly frames: Frame[] = [];
  readonly socket: WebSocket;
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  #waiters: Array<() => void> = [];

  /** `options` go to `ws` as they are, e.g. `localAddress` to connect from another loopback address. */
  constructor(url: string, headers: Record<string, string> = {}, options: ClientOptions = {}) {
    this.socket = new WebSocket(url, { ...options, headers });
    this.opened = new Promise((resolve, reject) => {
      this.socket.once('open', () => resolve());
      this.socket.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })),
    );
    this.socket.on('message', (data) => {
      this.frames.push(JSON.parse(data.toString()));
      for (const wake of this.#waiters.splice(0)) wake();
    });
  }

  send(frame: unknown): void {
    this.socket.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
  }

  /** Resolves with the first frame (from the start) that matches. */
  async waitFor(match: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(match);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`no matching frame; got ${JSON.stringify(this.frames.map((f) => [f.type, f.seq]))}`);
      await new Promise<void>((resolve) => {
        this.#waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }

  close(): void {
    this.socket.close();
  }
}
