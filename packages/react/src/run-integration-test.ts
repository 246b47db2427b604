/**
 * The seed's `runIntegrationTest()` (its "Quick Test Script"), against the platform as configured:
 * the configuration, the API and the WebSocket, in the seed's `{ apiTest, websocketTest,
 * configTest }` shape. It opens its own connection and closes it, so a chat widget on the page
 * keeps its own.
 */
import { API_PREFIX } from '@miptech/protocol/constants';
import {
  type ApiTestResult,
  type ProbeTarget,
  testApi,
  testWebSocket,
  type WebSocketTestResult,
  webSocketUrl,
} from './probes.ts';

/** The seed's `configTest`, with checks that hold for any deployment. */
export interface ConfigTestResult {
  apiUrl: string;
  wsUrl: string | null;
  tenantId: string;
  /** The seed checked for `:8000`; here: the URL is `http(s)` with a valid port (any port works). */
  hasCorrectPort: boolean;
  /** The base URL must not end in `/api/v1`: the SDK adds it. */
  hasCorrectPath: boolean;
  hasTenant: boolean;
}

export interface IntegrationTestResult {
  apiTest: ApiTestResult;
  websocketTest: WebSocketTestResult;
  configTest: ConfigTestResult;
}

/**
 * Checks the configuration, then `GET /api/v1/health`, then a WebSocket greeting. A configuration
 * that cannot work (no tenant, not an http(s) URL, `/api/v1` in the base URL) fails both network
 * checks with the fix, without asking the network.
 *
 * @example
 * const { apiTest, websocketTest } = await runIntegrationTest({
 *   baseUrl: 'http://localhost:8000',
 *   tenantId: 'miptech-company',
 * });
 * if (!apiTest.connected) console.error(apiTest.error);
 */
export async function runIntegrationTest(options: ProbeTarget): Promise<IntegrationTestResult> {
  const configTest = checkConfig(options);
  const problem = configProblem(configTest);
  if (problem) {
    // Asking a wrong URL only yields a 404 or a refused socket: say what to change instead.
    const failed = { connected: false, error: problem, code: 'config_invalid' };
    return {
      apiTest: { ...failed, endpoint: `${API_PREFIX}/health` },
      websocketTest: { ...failed, endpoint: `${API_PREFIX}/ws` },
      configTest,
    };
  }
  const apiTest = await testApi(options);
  const websocketTest = await testWebSocket(options);
  return { apiTest, websocketTest, configTest };
}

function configProblem(config: ConfigTestResult): string | undefined {
  if (!config.hasTenant) return 'Set the tenant id (the tenantId option), e.g. "miptech-company"';
  if (!config.wsUrl)
    return `The base URL must be an http(s) URL, e.g. http://localhost:8000; it is "${config.apiUrl}"`;
  if (!config.hasCorrectPath) {
    return `The base URL must not include ${API_PREFIX} (the SDK adds it): use ${config.apiUrl.replace(/\/api\/v1\/*$/, '')}`;
  }
  return undefined;
}

function checkConfig({ baseUrl, tenantId }: ProbeTarget): ConfigTestResult {
  let url: URL | undefined;
  try {
    url = new URL(baseUrl);
  } catch {
    url = undefined;
  }
  const web = url !== undefined && (url.protocol === 'http:' || url.protocol === 'https:');
  return {
    apiUrl: baseUrl,
    wsUrl: web ? webSocketUrl(baseUrl, tenantId) : null,
    tenantId,
    hasCorrectPort: web,
    hasCorrectPath: url !== undefined && !url.pathname.replace(/\/+$/, '').endsWith('/api/v1'),
    hasTenant: tenantId.trim() !== '',
  };
}
