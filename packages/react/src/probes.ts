/**
 * The checks behind {@link ConnectionTest} and {@link runIntegrationTest}, in the seed's result
 * shapes. The WebSocket check opens its own short-lived connection and always closes it: it never
 * touches a chat widget's connection (the seed's test reused the widget's, and disconnected it).
 */
import { ApiClient, type Health, MIPTechError, RealtimeConnection } from '@miptech/client';
import { API_PREFIX } from '@miptech/protocol/constants';

/** Where and as whom to check. */
export interface ProbeTarget {
  /** The platform's origin, e.g. `http://localhost:8000` (no `/api/v1`). */
  baseUrl: string;
  tenantId: string;
  /** A `fetch` to use instead of the global one. */
  fetch?: typeof fetch;
  /** A WebSocket class to use instead of the global one. */
  WebSocket?: typeof WebSocket;
  /** Milliseconds each check may take; default 5000 (the seed's integration test). */
  timeoutMs?: number;
}

/** The seed's `miptechApi.testConnection()` result. */
export interface ApiTestResult {
  connected: boolean;
  /** The health path asked. */
  endpoint: string;
  /** HTTP status, when an answer came. */
  status?: number;
  data?: Health;
  error?: string;
  /** The SDK's error code (`tenant_not_found`, `network_error`, …). */
  code?: string;
}

/** The seed's WebSocket test result: `data` is the server's greeting. */
export interface WebSocketTestResult {
  connected: boolean;
  endpoint: string;
  data?: { connection_id: string; tenant_id: string; protocol_version: string };
  error?: string;
  code?: string;
}

const HEALTH_PATH = `${API_PREFIX}/health`;

/**
 * `GET /api/v1/health`: connected when the platform answers and knows the tenant. Never throws:
 * failures are in the result, with the SDK's message (which names the setting to fix).
 *
 * @example
 * const api = await testApi({ baseUrl: 'http://localhost:8000', tenantId: 'miptech-company' });
 * if (!api.connected) console.error(api.error);
 */
export async function testApi(target: ProbeTarget | ApiClient): Promise<ApiTestResult> {
  const api =
    target instanceof ApiClient
      ? target
      : new ApiClient({
          baseUrl: target.baseUrl,
          tenantId: target.tenantId,
          timeoutMs: target.timeoutMs ?? 5000,
          ...(target.fetch ? { fetch: target.fetch } : {}),
        });
  try {
    const data = await api.health();
    // Health answers any tenant, naming it only when the platform knows it: reachable is not enough.
    if (data.tenant !== api.http.tenantId) {
      const tenant = api.http.tenantId;
      return {
        connected: false,
        endpoint: HEALTH_PATH,
        status: 200,
        data,
        code: 'tenant_not_found',
        error: `The platform answered, but does not know the tenant "${tenant}". Check the tenantId option against the tenants of this platform (npm run cli -- tenant list)`,
      };
    }
    return { connected: true, endpoint: HEALTH_PATH, status: 200, data };
  } catch (error) {
    return { connected: false, endpoint: HEALTH_PATH, ...failure(error) };
  }
}

/**
 * The WebSocket URL the SDK connects to (without the token).
 *
 * @example
 * webSocketUrl('https://api.example.com', 'acme'); // 'wss://api.example.com/api/v1/ws?tenant_id=acme'
 */
export function webSocketUrl(baseUrl: string, tenantId: string): string {
  const url = new URL(`${baseUrl.replace(/^http/, 'ws').replace(/\/+$/, '')}${API_PREFIX}/ws`);
  url.searchParams.set('tenant_id', tenantId);
  return url.toString();
}

/**
 * Opens a connection, waits for the server's greeting, and closes it. A first attempt that fails
 * is a failure (the SDK's connection would retry forever; a test wants an answer). Never throws.
 *
 * @example
 * const ws = await testWebSocket({ baseUrl: 'http://localhost:8000', tenantId: 'miptech-company' });
 * console.log(ws.connected ? `connection ${ws.data?.connection_id}` : ws.error);
 */
export function testWebSocket(target: ProbeTarget, signal?: AbortSignal): Promise<WebSocketTestResult> {
  const endpoint = `${API_PREFIX}/ws`;
  const connection = new RealtimeConnection({
    baseUrl: target.baseUrl,
    tenantId: target.tenantId,
    ...(target.WebSocket ? { WebSocket: target.WebSocket } : {}),
  });
  return new Promise<WebSocketTestResult>((resolve) => {
    let done = false;
    const finish = (result: WebSocketTestResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      signal?.removeEventListener('abort', aborted);
      connection.close();
      resolve(result);
    };
    const aborted = () => finish({ connected: false, endpoint, error: 'Test cancelled', code: 'aborted' });
    const timer = setTimeout(
      () => finish({ connected: false, endpoint, error: 'Connection timeout', code: 'timeout' }),
      target.timeoutMs ?? 5000,
    );
    if (signal?.aborted) return aborted();
    signal?.addEventListener('abort', aborted, { once: true });
    connection.on('frame', (frame) => {
      if (frame.type !== 'connection_established') return;
      const { connection_id, tenant_id, protocol_version } = frame;
      finish({ connected: true, endpoint, data: { connection_id, tenant_id, protocol_version } });
    });
    connection.on('error', (error) => finish({ connected: false, endpoint, ...failure(error) }));
    connection.on('state', (state) => {
      if (state !== 'reconnecting' && state !== 'offline') return;
      // Told before the connection sets its retry timer: closing now would leave that timer to
      // open a new socket, so close once the connection is done scheduling.
      queueMicrotask(() =>
        finish({ connected: false, endpoint, error: 'Connection failed', code: 'websocket_failed' }),
      );
    });
    try {
      connection.connect();
    } catch (error) {
      finish({ connected: false, endpoint, ...failure(error) });
    }
  });
}

function failure(error: unknown): { error: string; code?: string; status?: number } {
  if (error instanceof MIPTechError) {
    return { error: error.message, code: error.code, ...(error.status ? { status: error.status } : {}) };
  }
  return { error: error instanceof Error ? error.message : String(error) };
}
