/**
 * `prepareDocument` on a worker thread, for the server: parsing a large page takes tens to hundreds
 * of milliseconds even within the limits, and on the main thread that is time every other request
 * (and `/health`) waits. The limits are still checked here first, so a hostile document is refused
 * at once without a round trip. One worker, started on first use and not keeping the process
 * alive; if it dies, the next document starts another.
 */
import { Worker } from 'node:worker_threads';
import type { NewDocument } from '../storage/knowledge-store.ts';
import { checkDocumentLimits, DocumentTooComplexError } from './document-limits.ts';
import { type DocumentInput, EmptyDocumentError } from './prepare-document.ts';

interface Pending {
  resolve(document: NewDocument): void;
  reject(error: Error): void;
}

let worker: Worker | undefined;
let nextId = 0;
const pending = new Map<number, Pending>();

/**
 * Like `prepareDocument`, off the event loop.
 *
 * @throws {DocumentTooComplexError | EmptyDocumentError} as `prepareDocument` does.
 * @example
 * const prepared = await prepareDocumentOffThread({ tenant_id, source, body, format: 'html' });
 */
export async function prepareDocumentOffThread(input: DocumentInput): Promise<NewDocument> {
  checkDocumentLimits(input.body, input.format);
  const id = nextId++;
  const running = workerFor();
  return new Promise<NewDocument>((resolve, reject) => {
    pending.set(id, { resolve, reject });
    // Only a pending document keeps the process alive, never an idle worker.
    running.ref();
    running.postMessage({ id, input });
  });
}

function workerFor(): Worker {
  if (worker) return worker;
  const started = new Worker(new URL('./prepare-worker.ts', import.meta.url));
  started.unref();
  started.on(
    'message',
    (message: { id: number; document?: NewDocument; error?: { name: string; message: string } }) => {
      const entry = pending.get(message.id);
      pending.delete(message.id);
      if (!pending.size) started.unref();
      if (!entry) return;
      if (message.document) entry.resolve(message.document);
      else entry.reject(rebuild(message.error ?? { name: 'Error', message: 'no answer from the worker' }));
    },
  );
  const fail = (error: Error): void => {
    if (worker === started) worker = undefined;
    for (const entry of pending.values()) entry.reject(error);
    pending.clear();
  };
  started.on('error', fail);
  started.on('exit', (code) => fail(new Error(`the document worker stopped (exit code ${code})`)));
  worker = started;
  return started;
}

/** The worker's error as the class callers test for. */
function rebuild(error: { name: string; message: string }): Error {
  if (error.name === 'DocumentTooComplexError') return new DocumentTooComplexError(error.message);
  if (error.name === 'EmptyDocumentError') {
    const rebuilt = new EmptyDocumentError('');
    rebuilt.message = error.message;
    return rebuilt;
  }
  return Object.assign(new Error(error.message), { name: error.name });
}
