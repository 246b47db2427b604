/** Version of the wire protocol (REST bodies and WebSocket frames); bumped on breaking changes. */
export const PROTOCOL_VERSION = '1';

/** Every REST route and the WebSocket gateway live under this prefix. */
export const API_PREFIX = '/api/v1';

/** Longest message content accepted, in characters, after trimming. */
export const MAX_MESSAGE_LENGTH = 4000;

/** Most messages returned by one page of history. */
export const MAX_PAGE_SIZE = 200;

/**
 * Headers that may carry the tenant id, in order of precedence. The seed clients send one or
 * all of them; `X-Tenant-ID` is the canonical one.
 */
export const TENANT_HEADERS = ['x-tenant-id', 'x-tenant', 'tenant-id', 'tenant'] as const;

/** Tenant ids are slugs: lowercase letters, digits and inner dashes, 1 to 63 characters. */
export const TENANT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
