/**
 * One error class for everything the SDK can fail at, with the server's stable `code` where there
 * is one, a `type` a UI can switch on, and a message a person can act on.
 *
 * @example
 * try { await api.health(); } catch (error) {
 *   if (error instanceof MIPTechError && error.type === 'tenant') showSetupHelp(error.message);
 * }
 */

/** What kind of failure: what a UI shows, and whether waiting helps. */
export type ErrorType =
  | 'network'
  | 'tenant'
  | 'auth'
  | 'validation'
  | 'rate_limit'
  | 'server'
  | 'cors'
  | 'websocket';

export interface MIPTechErrorOptions {
  /** The server's error code (`tenant_not_found`, `rate_limited`, …) or one of the SDK's own. */
  code: string;
  type: ErrorType;
  /** HTTP status, when an HTTP answer came. */
  status?: number;
  /** Seconds the server asked to wait (`Retry-After`, `retry_after`). */
  retryAfter?: number;
  /** The server's `request_id`, to find the request in its log. */
  requestId?: string;
  cause?: unknown;
}

export class MIPTechError extends Error {
  override readonly name = 'MIPTechError';
  readonly code: string;
  readonly type: ErrorType;
  readonly status: number | undefined;
  readonly retryAfter: number | undefined;
  readonly requestId: string | undefined;

  constructor(message: string, options: MIPTechErrorOptions) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = options.code;
    this.type = options.type;
    this.status = options.status;
    this.retryAfter = options.retryAfter;
    this.requestId = options.requestId;
  }

  /** Whether trying again later may succeed: network trouble, rate limits, server errors. */
  get retryable(): boolean {
    return (
      this.type === 'network' ||
      this.type === 'rate_limit' ||
      this.type === 'websocket' ||
      (this.type === 'server' && (this.status === undefined || this.status >= 500))
    );
  }
}

/** The error of an HTTP answer that was not 2xx, from its `{detail, code, request_id}` body. */
export function errorFromResponse(
  status: number,
  body: { detail?: unknown; code?: unknown; request_id?: unknown } | undefined,
  context: { tenantId: string; retryAfter?: number },
): MIPTechError {
  const code = typeof body?.code === 'string' ? body.code : `http_${status}`;
  const detail = typeof body?.detail === 'string' ? body.detail : `The server answered ${status}`;
  const options = {
    code,
    status,
    type: typeOf(code, status),
    ...(context.retryAfter !== undefined ? { retryAfter: context.retryAfter } : {}),
    ...(typeof body?.request_id === 'string' ? { requestId: body.request_id } : {}),
  };
  return new MIPTechError(withFix(code, detail, context.tenantId), options);
}

/**
 * A request that got no HTTP answer. Browsers report a CORS refusal exactly like a network
 * failure (a `TypeError`), so from a page on another origin the message names both.
 */
export function errorFromNetwork(
  cause: unknown,
  context: { baseUrl: string; timedOut: boolean },
): MIPTechError {
  if (context.timedOut) {
    return new MIPTechError(`The platform at ${context.baseUrl} did not answer in time`, {
      code: 'timeout',
      type: 'network',
      cause,
    });
  }
  const origin = typeof location === 'object' ? location.origin : undefined;
  if (origin && !context.baseUrl.startsWith(origin)) {
    return new MIPTechError(
      `Could not reach ${context.baseUrl}. Either it is down, or it refused this page's origin: the tenant must allow ${origin} (allowed origins in the tenant settings, or CORS_ORIGINS)`,
      { code: 'network_or_cors', type: 'cors', cause },
    );
  }
  return new MIPTechError(`Could not reach the platform at ${context.baseUrl}`, {
    code: 'network_error',
    type: 'network',
    cause,
  });
}

function typeOf(code: string, status: number): ErrorType {
  if (code.startsWith('tenant_')) return 'tenant';
  if (code === 'rate_limited' || status === 429) return 'rate_limit';
  if (status === 401 || status === 403 || code.includes('token') || code.startsWith('auth')) return 'auth';
  if (status === 400 || status === 413 || status === 422 || code.startsWith('message_')) return 'validation';
  if (status === 404) return 'validation';
  return 'server';
}

/** Tenant errors name the setting to fix: the person reading them configures the site. */
function withFix(code: string, detail: string, tenantId: string): string {
  switch (code) {
    case 'tenant_missing':
      return `${detail}. Set the tenant id in the SDK's options (tenantId), e.g. "miptech-company"`;
    case 'tenant_not_found':
      return `${detail}: "${tenantId}". Check the tenantId option against the tenants of this platform (npm run cli -- tenant list)`;
    case 'tenant_invalid':
      return `${detail}. The tenantId option is "${tenantId}"`;
    default:
      return detail;
  }
}
