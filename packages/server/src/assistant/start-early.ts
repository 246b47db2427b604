/**
 * Starts an async iterable's work before its first part is wanted: the first `next()` is called at
 * once, and its result handed out when the consumer asks for it. The reply runner uses it to let a
 * responder run (retrieval, the provider's request) while the reply's row is committed (issue 16).
 */
export interface StartedEarly<T> extends AsyncIterable<T> {
  /** Ends the iterable without reading it (its `return()`), once its first step has settled. */
  cancel(): Promise<void>;
}

/**
 * @example
 * const parts = startEarly(responder.respond(input)); // the responder starts working now
 * await commitRow();
 * for await (const part of parts) publish(part);      // the first part is often ready by then
 */
export function startEarly<T>(iterable: AsyncIterable<T>): StartedEarly<T> {
  const iterator = iterable[Symbol.asyncIterator]();
  let first: Promise<IteratorResult<T>> | undefined = iterator.next();
  // Read by the consumer or by cancel(); until then its failure must not count as unhandled.
  first.catch(() => {});
  const next = (): Promise<IteratorResult<T>> => {
    const pending = first;
    first = undefined;
    return pending ?? iterator.next();
  };
  const end = async (): Promise<IteratorResult<T>> => {
    const pending = first;
    first = undefined;
    await pending?.catch(() => {});
    return (await iterator.return?.()) ?? { done: true, value: undefined };
  };
  return {
    [Symbol.asyncIterator]: () => ({
      next,
      return: end,
    }),
    cancel: async () => {
      await end().catch(() => {});
    },
  };
}
