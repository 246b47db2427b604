/**
 * The protocol's runtime constants without its zod schemas: what browser code imports
 * (`@miptech/protocol/constants`), so that a bundle that needs only these never pulls in zod.
 * Types come from `@miptech/protocol` with `import type`, which bundles nothing.
 */
export * from './close-codes.ts';
export * from './presence.ts';
export * from './version.ts';
