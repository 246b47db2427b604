/**
 * The seed's `connectionStatus` strings, derived from the controller's state instead of being set
 * by hand at each step (so they cannot disagree with it). The mapping:
 *
 * | controller                                              | `connectionStatus`        |
 * | ------------------------------------------------------- | ------------------------- |
 * | connection `open`                                       | `fully_connected`         |
 * | connection `connecting`                                 | `connecting_websocket`    |
 * | connection `reconnecting` or `offline`                  | `websocket_disconnected`  |
 * | connection `closed` by a refusal (close code error)     | `websocket_error`         |
 * | connection `closed` by `disconnect()`                   | `disconnected`            |
 * | idle, `initialize()` running, no chat yet               | `initializing`            |
 * | idle, `initialize()` running, chat created or resumed   | `chat_created`            |
 * | idle, `initialize()` failed                             | `failed`                  |
 * | idle, `testConnection()` running / passed / failed      | `testing_api` / `api_connected` / `api_failed` |
 * | idle otherwise                                          | `disconnected`            |
 *
 * The seed's `connection_lost` (it gave up after five attempts) never appears: the connection
 * keeps retrying with back-off, which shows as `websocket_disconnected`.
 */
import type { ConnectionState, MIPTechError } from '@miptech/client';
import type { ApiTestState } from './activity.ts';

export type ConnectionStatus =
  | 'disconnected'
  | 'testing_api'
  | 'api_connected'
  | 'api_failed'
  | 'initializing'
  | 'chat_created'
  | 'connecting_websocket'
  | 'fully_connected'
  | 'websocket_disconnected'
  | 'websocket_error'
  | 'failed';

export interface ConnectionStatusInput {
  connection: ConnectionState;
  initializing: boolean;
  initialized: boolean;
  chatId: string | null;
  error: MIPTechError | null;
  apiTest: ApiTestState;
}

const API_TEST_STATUS: Record<ApiTestState, ConnectionStatus> = {
  idle: 'disconnected',
  testing: 'testing_api',
  connected: 'api_connected',
  failed: 'api_failed',
};

/**
 * The seed's status string for a controller's state (the table above).
 *
 * @example
 * connectionStatusOf({ connection: 'open', initializing: false, initialized: true, chatId: 'c1', error: null, apiTest: 'idle' });
 * // 'fully_connected'
 */
export function connectionStatusOf(input: ConnectionStatusInput): ConnectionStatus {
  switch (input.connection) {
    case 'open':
      return 'fully_connected';
    case 'connecting':
      return 'connecting_websocket';
    case 'reconnecting':
    case 'offline':
      return 'websocket_disconnected';
    case 'closed':
      // The connection reports refusals as errors coded `close_<code>`; anything else closed it on purpose.
      return input.error?.code.startsWith('close_') ? 'websocket_error' : 'disconnected';
    case 'idle':
      if (input.initializing) return input.chatId ? 'chat_created' : 'initializing';
      if (input.error && !input.initialized) return 'failed';
      return API_TEST_STATUS[input.apiTest];
  }
}
