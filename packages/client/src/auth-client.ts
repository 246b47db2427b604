/**
 * Operators' sign-in for browser apps (the console): the access token lives in memory only, the
 * refresh token in the platform's HttpOnly cookie (never in storage a script can read). A 401
 * refreshes once and retries; concurrent 401s share that one refresh.
 *
 * @example
 * const auth = new AuthClient({ baseUrl, tenantId });
 * await auth.login('anna@example.com', 'correct horse battery staple');
 * const chats = await auth.request('/chats');
 */
import type { Operator, TokenResponse } from '@miptech/protocol';
import { MIPTechError } from './errors.ts';
import { Http, type HttpOptions, type RequestOptions } from './http.ts';

export class AuthClient {
  readonly http: Http;
  #accessToken: string | undefined;
  #user: Operator | undefined;
  #refreshing: Promise<string> | undefined;
  readonly #listeners = new Set<(user: Operator | undefined) => void>();

  constructor(options: HttpOptions | Http) {
    this.http = options instanceof Http ? options : new Http(options);
  }

  /** The signed-in operator, if any. */
  get user(): Operator | undefined {
    return this.#user;
  }

  /** The current access token (for the WebSocket's `auth` frame), if signed in. */
  get accessToken(): string | undefined {
    return this.#accessToken;
  }

  /** Called whenever the operator signs in, is refreshed, or is signed out. */
  onChange(listener: (user: Operator | undefined) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async login(email: string, password: string): Promise<Operator> {
    const tokens = await this.http.request<TokenResponse>('/auth/login', {
      method: 'POST',
      body: { email, password },
      credentials: true,
    });
    return this.#signedIn(tokens);
  }

  /** New tokens from the refresh cookie; a sign-in that survives a reload starts here. */
  refresh(): Promise<string> {
    this.#refreshing ??= this.http
      .request<TokenResponse>('/auth/refresh', { method: 'POST', body: {}, credentials: true })
      .then((tokens) => {
        this.#signedIn(tokens);
        return tokens.access_token;
      })
      .catch((error: unknown) => {
        this.#signedOut();
        throw error;
      })
      .finally(() => {
        this.#refreshing = undefined;
      });
    return this.#refreshing;
  }

  async me(): Promise<Operator> {
    const user = await this.request<Operator>('/auth/me');
    this.#user = user;
    return user;
  }

  /** Ends the session on the server (the cookie too) and forgets the tokens. */
  async logout(): Promise<void> {
    try {
      await this.http.request('/auth/logout', {
        method: 'POST',
        body: {},
        token: this.#accessToken,
        credentials: true,
      });
    } finally {
      this.#signedOut();
    }
  }

  /** A request as the signed-in operator: on a 401, one refresh (shared) and one retry. */
  async request<T>(path: string, options: Omit<RequestOptions, 'token'> = {}): Promise<T> {
    const token = this.#accessToken ?? (await this.refresh());
    try {
      return await this.http.request<T>(path, { ...options, token });
    } catch (error) {
      if (!(error instanceof MIPTechError) || error.status !== 401) throw error;
      // Another request may have refreshed meanwhile: use its token rather than refresh twice.
      const fresh =
        this.#accessToken && this.#accessToken !== token ? this.#accessToken : await this.refresh();
      return this.http.request<T>(path, { ...options, token: fresh });
    }
  }

  #signedIn(tokens: TokenResponse): Operator {
    this.#accessToken = tokens.access_token;
    this.#user = tokens.user;
    for (const listener of this.#listeners) listener(tokens.user);
    return tokens.user;
  }

  #signedOut(): void {
    const had = this.#user !== undefined || this.#accessToken !== undefined;
    this.#accessToken = undefined;
    this.#user = undefined;
    if (had) for (const listener of this.#listeners) listener(undefined);
  }
}
