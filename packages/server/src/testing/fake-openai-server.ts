/**
 * A local stand-in for an OpenAI-protocol server (OpenAI, Ollama's `/v1`, vLLM, LM Studio…), so LLM
 * tests never call a hosted model. It speaks the chat-completions wire format as the real one does
 * (see RESEARCH.md §2): server-sent events with a role chunk, content chunks, a chunk carrying
 * `finish_reason`, a usage chunk when `stream_options.include_usage` is set, then `data: [DONE]`;
 * errors as a non-2xx status with `{"error":{"message","type","param","code"}}`. Each test scripts
 * what it answers (text, pace, failures) and asserts the requests it recorded.
 *
 * `POST /v1/embeddings` answers as OpenAI's does (`{"object":"list","data":[{"object":"embedding",
 * "index","embedding"}],"model","usage":{"prompt_tokens","total_tokens"}}`, floats or base64 as
 * `encoding_format` asks) with deterministic vectors (`fake-embeddings.ts`): a hashed bag of words,
 * so texts sharing words are close, plus concept groups, so chosen synonyms are close too.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_CONCEPTS, fakeEmbedding } from './fake-embeddings.ts';

/** What the client sent in `POST /v1/chat/completions` (the fields tests look at; the rest is kept). */
export interface ChatCompletionBody {
  model?: string;
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  max_tokens?: number;
  max_completion_tokens?: number;
  temperature?: number;
  messages?: Array<{ role: string; content: unknown }>;
  [field: string]: unknown;
}

/** One request the server received, in arrival order. */
export interface RecordedRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/chat/completions`. */
  path: string;
  /** Lower-cased header names, as node:http gives them. */
  headers: Record<string, string | string[] | undefined>;
  /** The body parsed as JSON, or undefined when empty or not JSON. */
  body: ChatCompletionBody | undefined;
}

/** The reply: one string (streamed word by word), explicit chunks, or computed from the request. */
export type FakeReply = string | string[] | ((body: ChatCompletionBody) => string | string[]);

/** How a request fails instead of being answered. */
export type FakeFailure =
  /** An HTTP error with OpenAI's error body; `retryAfter` (seconds) sets the `retry-after` header. */
  | { type: 'status'; status: number; retryAfter?: number; message?: string }
  /** Headers and the role chunk are sent, then nothing, until the client gives up. */
  | { type: 'stall' }
  /** `afterChunks` content chunks are sent, then the socket is destroyed. */
  | { type: 'drop'; afterChunks: number }
  /**
   * `afterChunks` content chunks are sent, then an error event in the stream (as OpenAI sends when
   * the server fails mid-answer: `data: {"error":{…}}`, no finish, no usage), then the stream ends.
   */
  | { type: 'error-event'; afterChunks: number; status?: number };

/** What the server does with the next requests; see {@link FakeOpenAi.script}. */
export interface FakeBehaviour {
  /** Default: `Hello from the fake model.` */
  reply?: FakeReply;
  /** Pause before each content chunk, in milliseconds (default 0). */
  chunkDelayMs?: number;
  /** Default `stop`. */
  finishReason?: 'stop' | 'length';
  /** Reported token counts; default: prompt characters / 4 and one token per chunk. */
  usage?: { prompt_tokens: number; completion_tokens: number };
  /** Fail instead of answering. */
  failure?: FakeFailure;
  /** With `failure`: fail only the first N requests, then answer normally (default: fail all). */
  failTimes?: number;
}

/** Options of {@link startFakeOpenAi}. */
export interface FakeOpenAiOptions extends FakeBehaviour {
  /** When set, a request without `Authorization: Bearer <apiKey>` gets 401 `invalid_api_key`. */
  apiKey?: string;
  /** Model ids listed by `GET /v1/models` (default `['fake-model']`). */
  models?: string[];
  /**
   * Groups of words `/v1/embeddings` treats as one meaning (each group one direction), so a
   * paraphrase with no word in common is close; default {@link DEFAULT_CONCEPTS}.
   */
  concepts?: string[][];
  /** Length of the vectors `/v1/embeddings` returns unless the request asks for `dimensions` (default 64). */
  embeddingDimensions?: number;
}

/** A running fake server. */
export interface FakeOpenAi {
  /** Base URL ending in `/v1`, e.g. `http://127.0.0.1:54321/v1`. */
  url: string;
  /** Every request received so far. */
  requests: RecordedRequest[];
  /** The recorded `POST /v1/chat/completions` requests. */
  chatRequests(): RecordedRequest[];
  /** The recorded `POST /v1/embeddings` requests. */
  embeddingRequests(): RecordedRequest[];
  /** Every text `/v1/embeddings` was asked to embed, in order, failed requests included. */
  embeddedTexts(): string[];
  /** Replaces the behaviour for the following requests (and resets the `failTimes` count). */
  script(behaviour: FakeBehaviour): void;
  /** Stops listening and cuts open connections (stalled streams included). */
  close(): Promise<void>;
}

/**
 * Starts a fake OpenAI-protocol server on 127.0.0.1 with a free port.
 *
 * @example
 * const openai = await startFakeOpenAi({ reply: 'Opening hours are 9 to 5 [1].' });
 * const provider = createOpenAICompatible({ name: 'test', baseURL: openai.url, includeUsage: true });
 * // …stream, then: expect(openai.chatRequests()[0]?.body?.stream).toBe(true)
 * await openai.close();
 */
export async function startFakeOpenAi(options: FakeOpenAiOptions = {}): Promise<FakeOpenAi> {
  const {
    apiKey,
    models = ['fake-model'],
    concepts = DEFAULT_CONCEPTS,
    embeddingDimensions = 64,
    ...initial
  } = options;
  const requests: RecordedRequest[] = [];
  let behaviour: FakeBehaviour = initial;
  let failuresLeft = initial.failTimes ?? Number.POSITIVE_INFINITY;

  const server = createServer((request, response) => {
    void handle(request, response).catch(() => response.destroy());
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = await readBody(request);
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    const body = parseJson(raw);
    requests.push({ method: request.method ?? 'GET', path, headers: { ...request.headers }, body });

    if (apiKey !== undefined && request.headers.authorization !== `Bearer ${apiKey}`) {
      return sendError(response, { type: 'status', status: 401 });
    }
    const isChat = request.method === 'POST' && path === '/v1/chat/completions';
    const isModels = request.method === 'GET' && path === '/v1/models';
    const isEmbeddings = request.method === 'POST' && path === EMBEDDINGS_PATH;
    if (!isChat && !isModels && !isEmbeddings) {
      return sendError(response, { type: 'status', status: 404, message: `Unknown path ${path}` });
    }
    const current = behaviour;
    const failure = current.failure && failuresLeft > 0 ? current.failure : undefined;
    if (failure) {
      failuresLeft -= 1;
      if (failure.type === 'status') return sendError(response, failure);
      if (!isChat || !body?.stream) {
        // Without a stream to cut, a stall leaves the request unanswered and a drop cuts it.
        if (failure.type === 'drop') response.destroy();
        if (failure.type === 'error-event')
          sendError(response, { type: 'status', status: failure.status ?? 500 });
        return;
      }
    }
    if (isEmbeddings) return sendEmbeddings(response, body, { concepts, dimensions: embeddingDimensions });
    if (isModels) {
      const data = models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'fake' }));
      return sendJson(response, 200, { object: 'list', data });
    }
    const requestBody = body ?? {};
    const chunks = toChunks(current.reply ?? 'Hello from the fake model.', requestBody);
    const model = typeof requestBody.model === 'string' ? requestBody.model : 'fake-model';
    const usage = current.usage ?? {
      prompt_tokens: Math.ceil(JSON.stringify(requestBody.messages ?? []).length / 4),
      completion_tokens: chunks.length,
    };
    const finishReason = current.finishReason ?? 'stop';
    if (requestBody.stream) {
      return stream(response, {
        model,
        chunks,
        usage,
        finishReason,
        behaviour: current,
        failure,
        body: requestBody,
      });
    }
    sendJson(response, 200, {
      id: 'chatcmpl-fake',
      object: 'chat.completion',
      created: 1,
      model,
      choices: [
        { index: 0, message: { role: 'assistant', content: chunks.join('') }, finish_reason: finishReason },
      ],
      usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    chatRequests: () => requests.filter((request) => request.path === '/v1/chat/completions'),
    embeddingRequests: () => requests.filter((request) => request.path === EMBEDDINGS_PATH),
    embeddedTexts: () =>
      requests
        .filter((request) => request.path === EMBEDDINGS_PATH)
        .flatMap((request) => inputsOf(request.body) ?? []),
    script(next) {
      behaviour = next;
      failuresLeft = next.failTimes ?? Number.POSITIVE_INFINITY;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

interface StreamPlan {
  model: string;
  chunks: string[];
  usage: { prompt_tokens: number; completion_tokens: number };
  finishReason: 'stop' | 'length';
  behaviour: FakeBehaviour;
  failure: FakeFailure | undefined;
  body: ChatCompletionBody;
}

async function stream(response: ServerResponse, plan: StreamPlan): Promise<void> {
  response.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
  });
  // Each event waits until it is handed to the socket, so a later `drop` cuts after what was sent.
  const event = (choices: unknown[], extra: Record<string, unknown> = {}) => {
    const chunk = {
      id: 'chatcmpl-fake',
      object: 'chat.completion.chunk',
      created: 1,
      model: plan.model,
      choices,
    };
    const line = `data: ${JSON.stringify({ ...chunk, ...extra })}\n\n`;
    return new Promise<void>((resolve) => response.write(line, () => resolve()));
  };
  await event([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  if (plan.failure?.type === 'stall') return; // Leave the response open: the client must time out.
  for (const [index, text] of plan.chunks.entries()) {
    if (plan.failure?.type === 'drop' && index >= plan.failure.afterChunks) {
      response.socket?.destroy();
      return;
    }
    if (plan.failure?.type === 'error-event' && index >= plan.failure.afterChunks) {
      const known = ERROR_BODIES[plan.failure.status ?? 500] ?? ERROR_BODIES[500];
      response.end(`data: ${JSON.stringify({ error: { ...known, param: null } })}\n\n`);
      return;
    }
    if (plan.behaviour.chunkDelayMs) await sleep(plan.behaviour.chunkDelayMs);
    if (response.destroyed) return; // The client went away (a stop): stop writing like a real server.
    await event([{ index: 0, delta: { content: text }, finish_reason: null }]);
  }
  await event([{ index: 0, delta: {}, finish_reason: plan.finishReason }]);
  if (plan.body.stream_options?.include_usage) {
    const total_tokens = plan.usage.prompt_tokens + plan.usage.completion_tokens;
    await event([], { usage: { ...plan.usage, total_tokens } });
  }
  response.end('data: [DONE]\n\n');
}

const EMBEDDINGS_PATH = '/v1/embeddings';

/** The texts of an embeddings request, or undefined when `input` is not a string or strings. */
function inputsOf(body: ChatCompletionBody | undefined): string[] | undefined {
  const input = body?.input;
  if (typeof input === 'string') return [input];
  if (Array.isArray(input) && input.every((item) => typeof item === 'string')) return input as string[];
  return undefined;
}

/** Answers `POST /v1/embeddings` as OpenAI does, or with its 400 for a request it would refuse. */
function sendEmbeddings(
  response: ServerResponse,
  body: ChatCompletionBody | undefined,
  options: { concepts: string[][]; dimensions: number },
): void {
  const inputs = inputsOf(body);
  const model = body?.model;
  const dimensions = body?.dimensions ?? options.dimensions;
  if (!inputs || inputs.length === 0 || inputs.length > 2048 || typeof model !== 'string') {
    const message = "'input' must be a string or an array of 1 to 2048 strings, and 'model' is required";
    sendError(response, { type: 'status', status: 400, message });
    return;
  }
  if (
    typeof dimensions !== 'number' ||
    !Number.isInteger(dimensions) ||
    dimensions < 1 ||
    dimensions > 4096
  ) {
    sendError(response, { type: 'status', status: 400, message: "'dimensions' must be 1 to 4096" });
    return;
  }
  const base64 = body?.encoding_format === 'base64';
  const data = inputs.map((input, index) => {
    const vector = fakeEmbedding(input, { concepts: options.concepts, dimensions });
    const embedding = base64
      ? Buffer.from(new Float32Array(vector).buffer).toString('base64')
      : Array.from(vector);
    return { object: 'embedding', index, embedding };
  });
  const tokens = inputs.reduce(
    (sum, input) => sum + Math.max(1, input.split(/\s+/).filter(Boolean).length),
    0,
  );
  sendJson(response, 200, {
    object: 'list',
    data,
    model,
    usage: { prompt_tokens: tokens, total_tokens: tokens },
  });
}

const ERROR_BODIES: Record<number, { message: string; type: string; code: string | null }> = {
  400: { message: 'Invalid request.', type: 'invalid_request_error', code: null },
  401: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' },
  404: { message: 'Not found.', type: 'invalid_request_error', code: 'not_found' },
  429: { message: 'Rate limit reached for requests.', type: 'requests', code: 'rate_limit_exceeded' },
  500: {
    message: 'The server had an error while processing your request. Sorry about that!',
    type: 'server_error',
    code: null,
  },
};

function sendError(response: ServerResponse, failure: Extract<FakeFailure, { type: 'status' }>): void {
  const known = ERROR_BODIES[failure.status] ?? ERROR_BODIES[500];
  const headers: Record<string, string> = {};
  // OpenAI sends `retry-after` on rate limits; 0 keeps retried tests fast while staying faithful.
  const retryAfter = failure.retryAfter ?? (failure.status === 429 ? 0 : undefined);
  if (retryAfter !== undefined) headers['retry-after'] = String(retryAfter);
  const error = { ...known, message: failure.message ?? known?.message, param: null };
  sendJson(response, failure.status, { error }, headers);
}

function sendJson(
  response: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(value);
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(text);
}

function toChunks(reply: FakeReply, body: ChatCompletionBody): string[] {
  const value = typeof reply === 'function' ? reply(body) : reply;
  if (Array.isArray(value)) return value;
  // Split after whitespace so the chunks concatenate back to the exact reply.
  return value.split(/(?<=\s)/).filter((chunk) => chunk.length > 0);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  return Buffer.concat(parts).toString('utf8');
}

function parseJson(text: string): ChatCompletionBody | undefined {
  if (!text) return undefined;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' ? (value as ChatCompletionBody) : undefined;
  } catch {
    return undefined;
  }
}
