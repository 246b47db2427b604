// @vitest-environment happy-dom
/**
 * The debug panel against a real platform: both checks end Connected, its WebSocket check closes
 * what it opened, and a chat widget on the same page keeps its socket.
 */
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import type { ReactNode } from 'react';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ChatProvider } from './chat-provider.tsx';
import { ConnectionTest } from './connection-test.tsx';
import { controllerOptions, type ReactTestPlatform, startReactPlatform, TENANT, until } from './testing.ts';
import { useChat } from './use-chat.ts';

function WidgetStatus(): ReactNode {
  return <p>{`widget ${useChat().connectionStatus}`}</p>;
}

describe('ConnectionTest against a real platform', () => {
  let platform: ReactTestPlatform;

  beforeAll(async () => {
    platform = await startReactPlatform();
  });
  afterEach(async () => {
    cleanup();
    await until('no sockets left open', () => platform.openSockets() === 0);
  });
  afterAll(() => platform?.close());

  it('shows the API and the WebSocket as Connected, with the results, and closes its test socket', async () => {
    render(<ConnectionTest baseUrl={platform.baseUrl} tenantId={TENANT} environment="test" />);
    expect(screen.getByRole('heading', { name: 'MIPTech Connection Test' })).toBeTruthy();
    const api = screen.getByRole('status', { name: 'API Connection status' });
    const ws = screen.getByRole('status', { name: 'WebSocket status' });
    expect(api.textContent).toBe('Not tested');
    expect(ws.textContent).toBe('Not tested');
    expect(
      screen.getByText(`${platform.baseUrl.replace('http', 'ws')}/api/v1/ws?tenant_id=${TENANT}`),
    ).toBeTruthy();

    fireEvent.click(screen.getByRole('button', { name: 'Test API' }));
    await until('the API check', () => api.textContent === 'Connected');
    fireEvent.click(screen.getByRole('button', { name: 'Test WebSocket' }));
    await until('the WebSocket check', () => ws.textContent === 'Connected');

    const results = JSON.parse(
      within(screen.getByRole('region', { name: 'Test results' })).getByText(/"api"/).textContent ?? '',
    );
    expect(results).toMatchObject({
      api: { connected: true, endpoint: '/api/v1/health', status: 200, data: { status: 'healthy' } },
      ws: {
        connected: true,
        endpoint: '/api/v1/ws',
        data: { tenant_id: TENANT, connection_id: expect.any(String) },
      },
    });
    await until('its test socket closed', () => platform.openSockets() === 0);

    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    expect(api.textContent).toBe('Not tested');
    expect(screen.queryByRole('region', { name: 'Test results' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Close connection test' }));
    expect(screen.queryByRole('heading', { name: 'MIPTech Connection Test' })).toBeNull();
  });

  it('shows Failed with the fix for an unknown tenant', async () => {
    render(<ConnectionTest baseUrl={platform.baseUrl} tenantId="no-such-company" />);
    fireEvent.click(screen.getByRole('button', { name: 'Test API' }));
    const api = screen.getByRole('status', { name: 'API Connection status' });
    await until('the API check', () => api.textContent === 'Failed');
    expect(screen.getByRole('region', { name: 'Test results' }).textContent).toMatch(/tenantId option/);
  });

  it("leaves a chat widget's socket alone inside a ChatProvider (whose platform it uses)", async () => {
    render(
      <ChatProvider {...controllerOptions(platform)}>
        <WidgetStatus />
        <ConnectionTest />
      </ChatProvider>,
    );
    await screen.findByText('widget fully_connected');
    expect(platform.openSockets()).toBe(1);
    fireEvent.click(screen.getByRole('button', { name: 'Test API' }));
    fireEvent.click(screen.getByRole('button', { name: 'Test WebSocket' }));
    const ws = screen.getByRole('status', { name: 'WebSocket status' });
    await until('both checks', () =>
      [screen.getByRole('status', { name: 'API Connection status' }), ws].every(
        (row) => row.textContent === 'Connected',
      ),
    );
    await until('only the widget socket left', () => platform.openSockets() === 1);
    fireEvent.click(screen.getByRole('button', { name: 'Clear' }));
    expect(screen.getByText('widget fully_connected')).toBeTruthy();
  });
});
