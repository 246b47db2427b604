/**
 * Appends to one chat, batched while an earlier append to that chat is in flight (issue 16,
 * decision 012): PostgreSQL's counterpart of the SQLite store's group commit.
 *
 * Why: every append to a chat takes the chat's row lock (its `last_seq` counter) and holds it until
 * its COMMIT has reached the disk. Appends to one chat therefore run strictly one after another, one
 * fsync each, whatever PostgreSQL's own commit grouping does for different rows. Here the appends
 * that arrive while one is in flight wait in this process and then go together, in arrival order,
 * in one statement: one lock, one commit, one fsync for all of them.
 *
 * No timer: a lone append starts at once; only appends that would otherwise queue on the row lock
 * are grouped. Every promise settles after its statement committed. If a group's statement fails,
 * its appends are run again one by one, so one bad append fails alone.
 */

interface Pending<Input, Output> {
  input: Input;
  resolve: (value: Output) => void;
  reject: (error: unknown) => void;
}

/** Largest group sent as one statement; the rest wait for the next one. */
const MAX_GROUP = 100;

export class ChatAppendQueue<Input, Output> {
  readonly #queues = new Map<string, Array<Pending<Input, Output>>>();
  readonly #runGroup: (inputs: Input[]) => Promise<Output[]>;

  /** `runGroup` appends its inputs to one chat in one statement and answers one output per input, in order. */
  constructor(runGroup: (inputs: Input[]) => Promise<Output[]>) {
    this.#runGroup = runGroup;
  }

  /** Queues `input` behind the appends to the chat `key` already in flight. */
  append(key: string, input: Input): Promise<Output> {
    return new Promise<Output>((resolve, reject) => {
      const queue = this.#queues.get(key);
      const pending = { input, resolve, reject };
      if (queue) {
        queue.push(pending);
        return;
      }
      // Present (even empty) while a group of this chat is in flight.
      this.#queues.set(key, []);
      void this.#drain(key, [pending]);
    });
  }

  async #drain(key: string, first: Array<Pending<Input, Output>>): Promise<void> {
    let group = first;
    while (group.length > 0) {
      await this.#run(group);
      const queue = this.#queues.get(key) ?? [];
      group = queue.splice(0, MAX_GROUP);
    }
    this.#queues.delete(key);
  }

  async #run(group: Array<Pending<Input, Output>>): Promise<void> {
    try {
      const outputs = await this.#runGroup(group.map((pending) => pending.input));
      for (const [index, pending] of group.entries()) pending.resolve(outputs[index] as Output);
      return;
    } catch (error) {
      if (group.length === 1) {
        group[0]?.reject(error);
        return;
      }
    }
    // The statement was rolled back as a whole: nothing of it was stored. Each on its own now.
    for (const pending of group) {
      try {
        const [output] = await this.#runGroup([pending.input]);
        pending.resolve(output as Output);
      } catch (error) {
        pending.reject(error);
      }
    }
  }
}
