/**
 * A responder that writes a fixed or echoed reply word by word with a delay: for tests and demos
 * of streaming, stopping and resuming, until the answer engine (issue 5) provides real ones.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Responder, ResponderInput, ResponderPart } from './responder.ts';

export interface ScriptedResponderOptions {
  /** The reply for a message; default: `You said: <message>`. */
  reply?: (input: ResponderInput) => string;
  /** Pause before each word, in milliseconds. */
  delayMs?: number;
}

export class ScriptedResponder implements Responder {
  readonly name = 'scripted';
  readonly #reply: (input: ResponderInput) => string;
  readonly #delayMs: number;

  constructor(options: ScriptedResponderOptions = {}) {
    this.#reply = options.reply ?? ((input) => `You said: ${input.message.content}`);
    this.#delayMs = options.delayMs ?? 20;
  }

  /** Nothing to load. */
  async warmUp(): Promise<void> {}

  async *respond(input: ResponderInput): AsyncIterable<ResponderPart> {
    const words = this.#reply(input).split(/(?<=\s)/);
    for (const word of words) {
      await sleep(this.#delayMs, undefined, { signal: input.signal });
      yield { type: 'text', text: word };
    }
    yield { type: 'finish', reason: 'stop' };
  }
}
