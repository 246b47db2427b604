/**
 * The integration guide's debug panel (the seed's `ConnectionTest`): API and WebSocket rows with
 * their state, the configuration, Test API / Test WebSocket / Clear buttons and the results as
 * JSON. Plain inline styles, no CSS framework. The WebSocket test opens its own connection and
 * closes it, so the page's chat keeps its socket (the seed's test disconnected the widget).
 */
import { type CSSProperties, type ReactNode, useContext, useEffect, useId, useRef, useState } from 'react';
import { ChatContext } from './chat-context.ts';
import {
  type ApiTestResult,
  type ProbeTarget,
  testApi,
  testWebSocket,
  type WebSocketTestResult,
  webSocketUrl,
} from './probes.ts';

export interface ConnectionTestProps extends Partial<ProbeTarget> {
  /** Shown in the configuration box, as the seed's `REACT_APP_ENVIRONMENT`. */
  environment?: string;
  /** Called by the close button; without it the panel hides itself. */
  onClose?: () => void;
  style?: CSSProperties;
}

type TestState = 'idle' | 'testing' | 'connected' | 'failed';

interface Results {
  api?: ApiTestResult | { testing: true };
  ws?: WebSocketTestResult | { testing: true };
}

const STATE_TEXT: Record<TestState, string> = {
  idle: 'Not tested',
  testing: 'Testing...',
  connected: 'Connected',
  failed: 'Failed',
};
const STATE_COLOR: Record<TestState, string> = {
  idle: '#4b5563',
  testing: '#a16207',
  connected: '#15803d',
  failed: '#b91c1c',
};

/**
 * A debug panel that checks the platform's API and WebSocket. Inside a {@link ChatProvider} it
 * takes the provider's base URL and tenant; otherwise pass them. Render it only when debugging
 * (the seed showed it when `REACT_APP_DEBUG_API` was `true`).
 *
 * @example
 * {import.meta.env.DEV && <ConnectionTest baseUrl="http://localhost:8000" tenantId="miptech-company" />}
 */
export function ConnectionTest(props: ConnectionTestProps): ReactNode {
  const shared = useContext(ChatContext);
  const baseUrl = props.baseUrl ?? shared?.api.http.baseUrl;
  const tenantId = props.tenantId ?? shared?.api.http.tenantId;
  const [apiState, setApiState] = useState<TestState>('idle');
  const [wsState, setWsState] = useState<TestState>('idle');
  const [results, setResults] = useState<Results>({});
  const [visible, setVisible] = useState(true);
  const titleId = useId();
  // Aborts a WebSocket test on Clear and on unmount: it closes its connection, and no state is set.
  const running = useRef<AbortController | null>(null);
  const mounted = useRef(false);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
      running.current?.abort();
    };
  }, []);

  if (!visible) return null;
  if (!baseUrl || !tenantId) {
    return <p role="alert">ConnectionTest needs baseUrl and tenantId, or a ChatProvider above it.</p>;
  }
  const target: ProbeTarget = {
    baseUrl,
    tenantId,
    ...(props.fetch ? { fetch: props.fetch } : {}),
    ...(props.WebSocket ? { WebSocket: props.WebSocket } : {}),
    timeoutMs: props.timeoutMs ?? 10_000,
  };

  const testApiConnection = async () => {
    setApiState('testing');
    setResults((previous) => ({ ...previous, api: { testing: true } }));
    // Without a fetch of its own, the provider's client (and its fetch) does the asking.
    const result = await testApi(!props.fetch && !props.baseUrl && shared ? shared.api : target);
    if (!mounted.current) return;
    setApiState(result.connected ? 'connected' : 'failed');
    setResults((previous) => ({ ...previous, api: result }));
  };

  const testWebSocketConnection = async () => {
    running.current?.abort();
    const controller = new AbortController();
    running.current = controller;
    setWsState('testing');
    setResults((previous) => ({ ...previous, ws: { testing: true } }));
    const result = await testWebSocket(target, controller.signal);
    if (controller.signal.aborted) return;
    running.current = null;
    setWsState(result.connected ? 'connected' : 'failed');
    setResults((previous) => ({ ...previous, ws: result }));
  };

  const clear = () => {
    running.current?.abort();
    running.current = null;
    setApiState('idle');
    setWsState('idle');
    setResults({});
  };

  return (
    <section aria-labelledby={titleId} style={{ ...styles.panel, ...props.style }}>
      <div style={styles.header}>
        <h3 id={titleId} style={styles.title}>
          MIPTech Connection Test
        </h3>
        <button
          type="button"
          aria-label="Close connection test"
          onClick={() => (props.onClose ? props.onClose() : setVisible(false))}
          style={styles.close}
        >
          ×
        </button>
      </div>
      <StatusRow label="API Connection" state={apiState} />
      <StatusRow label="WebSocket" state={wsState} />
      <dl style={styles.config}>
        <ConfigLine term="API URL" value={baseUrl} />
        <ConfigLine term="WS URL" value={safeWebSocketUrl(baseUrl, tenantId)} />
        <ConfigLine term="Tenant" value={tenantId} />
        {props.environment ? <ConfigLine term="Environment" value={props.environment} /> : null}
      </dl>
      <div style={styles.buttons}>
        <button
          type="button"
          onClick={testApiConnection}
          disabled={apiState === 'testing'}
          style={button('#2563eb')}
        >
          Test API
        </button>
        <button
          type="button"
          onClick={testWebSocketConnection}
          disabled={wsState === 'testing'}
          style={button('#16a34a')}
        >
          Test WebSocket
        </button>
        <button type="button" onClick={clear} style={button('#6b7280')}>
          Clear
        </button>
      </div>
      {Object.keys(results).length > 0 ? (
        <section aria-label="Test results" style={styles.results}>
          <strong>Test Results:</strong>
          <pre style={styles.pre}>{JSON.stringify(results, null, 2)}</pre>
        </section>
      ) : null}
    </section>
  );
}

function StatusRow({ label, state }: { label: string; state: TestState }): ReactNode {
  return (
    <div style={styles.row}>
      <span style={styles.rowLabel}>
        <span aria-hidden="true" style={{ ...styles.dot, background: STATE_COLOR[state] }} />
        {label}
      </span>
      {/* A live region: screen readers hear each test end. */}
      <output aria-label={`${label} status`} aria-live="polite" style={{ color: STATE_COLOR[state] }}>
        {STATE_TEXT[state]}
      </output>
    </div>
  );
}

function ConfigLine({ term, value }: { term: string; value: string }): ReactNode {
  return (
    <div>
      <dt style={styles.term}>{term}:</dt> <dd style={styles.value}>{value}</dd>
    </div>
  );
}

function safeWebSocketUrl(baseUrl: string, tenantId: string): string {
  try {
    return webSocketUrl(baseUrl, tenantId);
  } catch {
    return 'invalid base URL';
  }
}

function button(background: string): CSSProperties {
  return {
    flex: 1,
    padding: '4px 12px',
    background,
    color: '#fff',
    border: 'none',
    borderRadius: 4,
    fontSize: 12,
    cursor: 'pointer',
  };
}

const styles = {
  panel: {
    position: 'fixed',
    top: 16,
    left: 16,
    zIndex: 50,
    maxWidth: 448,
    padding: 16,
    background: '#fff',
    color: '#1f2937',
    border: '1px solid #e5e7eb',
    borderRadius: 8,
    boxShadow: '0 10px 15px rgba(0, 0, 0, 0.1)',
    fontFamily: 'system-ui, sans-serif',
    fontSize: 14,
  },
  header: { display: 'flex', alignItems: 'center', justifyContent: 'space-between', marginBottom: 12 },
  title: { margin: 0, fontSize: 16, fontWeight: 700 },
  close: { background: 'none', border: 'none', fontSize: 18, cursor: 'pointer', color: '#6b7280' },
  row: {
    display: 'flex',
    alignItems: 'center',
    justifyContent: 'space-between',
    padding: 8,
    marginBottom: 8,
    background: '#f9fafb',
    borderRadius: 4,
  },
  rowLabel: { display: 'flex', alignItems: 'center', gap: 8 },
  dot: { display: 'inline-block', width: 12, height: 12, borderRadius: '50%' },
  config: { margin: '12px 0 0', padding: 8, background: '#f3f4f6', borderRadius: 4, fontSize: 12 },
  term: { display: 'inline', fontWeight: 700 },
  value: { display: 'inline', margin: 0, wordBreak: 'break-all' },
  buttons: { display: 'flex', gap: 8, marginTop: 16 },
  results: {
    marginTop: 12,
    padding: 8,
    background: '#f3f4f6',
    borderRadius: 4,
    fontSize: 12,
    maxHeight: 128,
    overflowY: 'auto',
  },
  pre: { margin: '4px 0 0', whiteSpace: 'pre-wrap' },
} satisfies Record<string, CSSProperties>;
