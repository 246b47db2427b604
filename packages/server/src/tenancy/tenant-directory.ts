/**
 * A short-lived cache of tenants in front of the store. Every tenant route and every CORS check
 * looks a tenant up, and random ids from the internet must not each cost a database query, so
 * misses are cached too. Changes made through this process are visible at once; changes made by
 * another process (the CLI) within `ttlMs`.
 */
import type { Store, Tenant } from '../storage/store.ts';

export class TenantDirectory {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #entries = new Map<string, { tenant: Tenant | undefined; expires: number }>();
  #all: { tenants: Tenant[]; expires: number } | undefined;

  constructor(store: Store, options: { ttlMs?: number } = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? 5000;
  }

  /** The tenant with this id, or undefined. */
  async get(id: string): Promise<Tenant | undefined> {
    const cached = this.#entries.get(id);
    if (cached && cached.expires > Date.now()) return cached.tenant;
    const tenant = await this.#store.getTenant(id);
    // Bound the cache so a flood of random ids cannot grow it without limit.
    if (this.#entries.size >= 10_000) this.#entries.clear();
    this.#entries.set(id, { tenant, expires: Date.now() + this.#ttlMs });
    return tenant;
  }

  /** Every tenant; used to answer CORS preflights, which carry no tenant header. */
  async all(): Promise<Tenant[]> {
    if (this.#all && this.#all.expires > Date.now()) return this.#all.tenants;
    const tenants = await this.#store.listTenants();
    this.#all = { tenants, expires: Date.now() + this.#ttlMs };
    return tenants;
  }

  /** Forgets what is cached, after a change made in this process. */
  invalidate(): void {
    this.#entries.clear();
    this.#all = undefined;
  }
}
