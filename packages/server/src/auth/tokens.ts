/**
 * Every credential the platform hands out, minted and checked in one place.
 *
 * - Operator access tokens and visitor tokens are JWTs (HS256 via `jose`). Following RFC 8725,
 *   each kind has its own key (derived from `JWT_SECRET` with HKDF), its own `typ` header and its
 *   own audience, and verification pins the algorithm, issuer, audience and `typ`: a visitor
 *   token can never pass as an operator token, nor the other way round.
 * - Refresh tokens, invitation tokens and API keys are opaque random strings; only their SHA-256
 *   is stored. A refresh token is `<id>.<HMAC(id)>`, so the server can hand the same successor
 *   token to two concurrent refreshes without keeping the token itself (see `operator-auth.ts`).
 */
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { errors, jwtVerify, SignJWT } from 'jose';

/** Lifetime of an operator access token: short, because it is checked without a database lookup of its own. */
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
/** Lifetime of a visitor token; a visitor who returns later starts a new chat. */
export const VISITOR_TOKEN_TTL_SECONDS = 24 * 60 * 60;
/** Lifetime of one refresh token; every use rotates it, so an active operator never sees it expire. */
export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 60 * 60;

const ISSUER = 'miptech-platform';
const ALGORITHM = 'HS256';
const KINDS = {
  operator: { typ: 'operator+jwt', audience: 'miptech:operator' },
  visitor: { typ: 'visitor+jwt', audience: 'miptech:visitor' },
} as const;

/** Opaque credentials start with a prefix that says what they are (and that no JWT starts with). */
export const API_KEY_PREFIX = 'mip_key_';
const INVITATION_PREFIX = 'mip_inv_';

/** The claims of a verified operator access token. */
export interface OperatorClaims {
  tenant_id: string;
  operator_id: string;
  /** The login session (refresh-token family) the token was issued under. */
  session_id: string;
  /** When the token expires, in seconds since the epoch (`exp`); a socket stops trusting it then. */
  expires_at: number;
}

/** The claims of a verified visitor token. */
export interface VisitorClaims {
  tenant_id: string;
  visitor_id: string;
  /** When the token expires, in seconds since the epoch (`exp`). */
  expires_at: number;
}

/** A signed token and when it expires. */
export interface IssuedToken {
  token: string;
  expires_in: number;
}

/** SHA-256 of a high-entropy secret, hex. Enough for random tokens; passwords use argon2id. */
export const hashSecret = (secret: string): string => createHash('sha256').update(secret).digest('hex');

const randomPart = (bytes: number): string => randomBytes(bytes).toString('base64url');

/**
 * Signs and verifies the platform's tokens with keys derived from one secret.
 *
 * @example
 * const tokens = new TokenService(config.jwtSecret);
 * const { token } = await tokens.signVisitor({ tenant_id: 'acme', visitor_id: 'visitor_1' });
 * await tokens.verifyVisitor(token); // → { tenant_id: 'acme', visitor_id: 'visitor_1', expires_at: 1767225600 }
 */
export class TokenService {
  readonly #keys: Record<keyof typeof KINDS | 'refresh', Uint8Array>;

  constructor(secret: string) {
    const derive = (purpose: string) =>
      new Uint8Array(hkdfSync('sha256', secret, ISSUER, `miptech:${purpose}:v1`, 32));
    this.#keys = { operator: derive('operator'), visitor: derive('visitor'), refresh: derive('refresh') };
  }

  /** An access token for an operator's session. */
  signOperator(claims: Omit<OperatorClaims, 'expires_at'>): Promise<IssuedToken> {
    return this.#sign(
      'operator',
      claims.operator_id,
      { tid: claims.tenant_id, sid: claims.session_id },
      ACCESS_TOKEN_TTL_SECONDS,
    );
  }

  /** A token proving the bearer is this visitor of this tenant. */
  signVisitor(claims: Omit<VisitorClaims, 'expires_at'>): Promise<IssuedToken> {
    return this.#sign('visitor', claims.visitor_id, { tid: claims.tenant_id }, VISITOR_TOKEN_TTL_SECONDS);
  }

  /** The claims of a valid operator access token; undefined for anything else. */
  async verifyOperator(token: string): Promise<OperatorClaims | undefined> {
    const payload = await this.#verify('operator', token);
    if (!payload || typeof payload.sid !== 'string') return undefined;
    return {
      tenant_id: payload.tid,
      operator_id: payload.sub,
      session_id: payload.sid,
      expires_at: payload.exp,
    };
  }

  /** The claims of a valid visitor token; undefined for anything else. */
  async verifyVisitor(token: string): Promise<VisitorClaims | undefined> {
    const payload = await this.#verify('visitor', token);
    return payload && { tenant_id: payload.tid, visitor_id: payload.sub, expires_at: payload.exp };
  }

  /** A new refresh token: its id (the row key), the token, and the hash to store. */
  mintRefreshToken(): { id: string; token: string; hash: string } {
    const id = randomPart(16);
    const token = this.refreshTokenFor(id);
    return { id, token, hash: hashSecret(token) };
  }

  /** Recomputes the token of a stored refresh-token id. */
  refreshTokenFor(id: string): string {
    return `${id}.${createHmac('sha256', this.#keys.refresh).update(id).digest('base64url')}`;
  }

  async #sign(
    kind: keyof typeof KINDS,
    subject: string,
    claims: Record<string, string>,
    ttlSeconds: number,
  ): Promise<IssuedToken> {
    const token = await new SignJWT(claims)
      .setProtectedHeader({ alg: ALGORITHM, typ: KINDS[kind].typ })
      .setIssuer(ISSUER)
      .setAudience(KINDS[kind].audience)
      .setSubject(subject)
      .setIssuedAt()
      .setExpirationTime(`${ttlSeconds}s`)
      .sign(this.#keys[kind]);
    return { token, expires_in: ttlSeconds };
  }

  async #verify(
    kind: keyof typeof KINDS,
    token: string,
  ): Promise<(Record<string, unknown> & { sub: string; tid: string; exp: number }) | undefined> {
    try {
      const { payload } = await jwtVerify(token, this.#keys[kind], {
        algorithms: [ALGORITHM],
        issuer: ISSUER,
        audience: KINDS[kind].audience,
        typ: KINDS[kind].typ,
        requiredClaims: ['exp', 'iat', 'sub'],
        clockTolerance: 5,
      });
      if (typeof payload.sub !== 'string' || typeof payload.tid !== 'string') return undefined;
      // `exp` is a required claim, and jose checked that it is a number.
      return payload as Record<string, unknown> & { sub: string; tid: string; exp: number };
    } catch (error) {
      // Every way a token can be wrong is the same answer to the caller; anything else is a bug.
      if (error instanceof errors.JOSEError || error instanceof TypeError) return undefined;
      throw error;
    }
  }
}

/** A new API key and what to store of it. */
export function mintApiKey(): { key: string; prefix: string; hash: string } {
  const key = `${API_KEY_PREFIX}${randomPart(32)}`;
  return { key, prefix: key.slice(0, API_KEY_PREFIX.length + 6), hash: hashSecret(key) };
}

/** A new invitation token and its hash. */
export function mintInvitationToken(): { token: string; hash: string } {
  const token = `${INVITATION_PREFIX}${randomPart(24)}`;
  return { token, hash: hashSecret(token) };
}

/** Constant-time string comparison. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
