/** The demo tenant that `npm start` serves out of the box. */
import { ConflictError, type Store } from '../storage/store.ts';

export const DEMO_TENANT_ID = 'miptech-company';

/** Creates the demo tenant unless it exists; safe when several instances start at once. */
export async function ensureDemoTenant(store: Store): Promise<void> {
  if (await store.getTenant(DEMO_TENANT_ID)) return;
  try {
    await store.createTenant({
      id: DEMO_TENANT_ID,
      name: 'MIPTech',
      allowed_origins: ['http://localhost:3000', 'http://localhost:8000', 'https://miptechnologies.tech'],
    });
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }
}
