/**
 * The worker thread behind `prepare-off-thread.ts`: prepares documents (parse and split) away from
 * the event loop that serves requests. One message in, one message out, matched by `id`.
 */
import { parentPort } from 'node:worker_threads';
import { type DocumentInput, prepareDocument } from './prepare-document.ts';

parentPort?.on('message', (message: { id: number; input: DocumentInput }) => {
  try {
    parentPort?.postMessage({ id: message.id, document: prepareDocument(message.input) });
  } catch (error) {
    const { name, message: text } = error as Error;
    parentPort?.postMessage({ id: message.id, error: { name, message: text } });
  }
});
