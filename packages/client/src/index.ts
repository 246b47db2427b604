/**
 * `@miptech/client`: the MIPTech AI Platform from a browser or Node 24, no framework needed.
 * Imports only types and zod-free constants from `@miptech/protocol`.
 */
export { ApiClient, type Health, type NewChat, type NewMessage, type ReadyOptions } from './api-client.ts';
export { AuthClient } from './auth-client.ts';
export { type BackoffOptions, backoffDelay } from './backoff.ts';
export {
  ChatController,
  type ChatControllerOptions,
  type ChatSlices,
  type ChatStatus,
  type HandoffState,
} from './chat-controller.ts';
export { type ApplyResult, ChatLog, type ChatMessage } from './chat-log.ts';
export { type ErrorType, MIPTechError } from './errors.ts';
export { Http, type HttpOptions } from './http.ts';
export {
  type ConnectionState,
  RealtimeConnection,
  type RealtimeConnectionOptions,
} from './realtime-connection.ts';
export {
  type KeyValueStorage,
  memoryStorage,
  type OutboxEntry,
  type SessionData,
  SessionStore,
} from './session-store.ts';
export { SliceStore } from './slice-store.ts';
