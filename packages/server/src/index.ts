/** The platform server as a library: build it, run it, or use its parts. */
export { type AppOptions, buildApp, type Platform } from './app.ts';
export { ChatService } from './chat/chat-service.ts';
export { type Config, ConfigError, loadConfig } from './config.ts';
export { startServer } from './server.ts';
export { openStore } from './storage/open-store.ts';
export type { Store } from './storage/store.ts';
