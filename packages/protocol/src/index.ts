export * from './assistant.ts';
export * from './auth.ts';
export * from './errors.ts';
export * from './inbox.ts';
export * from './presence.ts';
export * from './realtime.ts';
export * from './rest.ts';
export * from './version.ts';
