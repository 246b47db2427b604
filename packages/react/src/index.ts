/**
 * `@miptech/react`: React bindings for `@miptech/client`: `useChat`, `ChatProvider`, the
 * `ChatWidget`, the `ConnectionTest` debug panel and `runIntegrationTest()`.
 */
export type { Activity, ApiTestState } from './activity.ts';
export { ChatProvider, type ChatProviderProps } from './chat-provider.tsx';
export {
  type ConnectionStatus,
  type ConnectionStatusInput,
  connectionStatusOf,
} from './connection-status.ts';
export { ConnectionTest, type ConnectionTestProps } from './connection-test.tsx';
export {
  type ApiTestResult,
  type ProbeTarget,
  testApi,
  testWebSocket,
  type WebSocketTestResult,
  webSocketUrl,
} from './probes.ts';
export {
  type ConfigTestResult,
  type IntegrationTestResult,
  runIntegrationTest,
} from './run-integration-test.ts';
export {
  type CurrentChat,
  type UseChatCallbacks,
  type UseChatOptions,
  type UseChatResult,
  useChat,
} from './use-chat.ts';
export { useSlice } from './use-slice.ts';
export { ChatWidget, type ChatWidgetProps } from './widget/chat-widget.tsx';
export type { WidgetPosition } from './widget/shadow-host.tsx';
export type { WidgetStrings } from './widget/strings.ts';
