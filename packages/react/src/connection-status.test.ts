/** The seed's connectionStatus strings, from the controller's state. */
import { MIPTechError } from '@miptech/client';
import { describe, expect, it } from 'vitest';
import { type ConnectionStatusInput, connectionStatusOf } from './connection-status.ts';

const base: ConnectionStatusInput = {
  connection: 'idle',
  initializing: false,
  initialized: false,
  chatId: null,
  error: null,
  apiTest: 'idle',
};
const refused = new MIPTechError('Unknown tenant', { code: 'close_4004', type: 'websocket' });
const tenant = new MIPTechError('Unknown tenant', { code: 'tenant_not_found', type: 'tenant', status: 404 });

describe('connectionStatusOf', () => {
  it.each([
    [{}, 'disconnected'],
    [{ apiTest: 'testing' }, 'testing_api'],
    [{ apiTest: 'connected' }, 'api_connected'],
    [{ apiTest: 'failed' }, 'api_failed'],
    [{ initializing: true }, 'initializing'],
    [{ initializing: true, chatId: 'c1' }, 'chat_created'],
    [{ error: tenant }, 'failed'],
    [{ connection: 'connecting', chatId: 'c1' }, 'connecting_websocket'],
    [{ connection: 'open', initialized: true, chatId: 'c1' }, 'fully_connected'],
    [{ connection: 'reconnecting', initialized: true }, 'websocket_disconnected'],
    [{ connection: 'offline', initialized: true }, 'websocket_disconnected'],
    [{ connection: 'closed', error: refused }, 'websocket_error'],
    [{ connection: 'closed', error: tenant }, 'disconnected'],
    [{ connection: 'closed' }, 'disconnected'],
  ] as const)('%o → %s', (input, expected) => {
    expect(connectionStatusOf({ ...base, ...input })).toBe(expected);
  });
});
