/**
 * The conformance suite for the {@link AccountStore} half of every `Store`: operators, sessions,
 * refresh tokens, invitations and API keys. Run beside `describeStoreConformance` with the same
 * harness. The races use Promise.all: SQLite serialises them anyway, PostgreSQL must through locks.
 */
import { randomUUID } from 'node:crypto';
import { describe, expect } from 'vitest';
import { LastOwnerError, type NewRefreshToken, type OperatorRole } from './account-store.ts';
import { type StoreHarness, storeSuite } from './store.conformance.ts';
import { ConflictError, type Store } from './store.ts';

let tenantCounter = 0;
const freshTenantId = () => `accounts-${Date.now().toString(36)}-${++tenantCounter}`;

/** Lets the clock move on, so that "oldest first" and "newest first" have something to sort. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 3));

const inAnHour = () => new Date(Date.now() + 3_600_000).toISOString();

export function describeAccountStoreConformance(
  name: string,
  harness: () => Promise<StoreHarness | undefined>,
): void {
  describe(`AccountStore conformance: ${name}`, () => {
    let store: Store;
    const { test } = storeSuite(name, harness, (opened) => {
      store = opened;
    });

    const newTenant = async () => (await store.createTenant({ id: freshTenantId(), name: 'T' })).id;

    async function newOperator(tenant_id: string, email: string, role: OperatorRole = 'owner') {
      const operator = await store.createOperator({
        tenant_id,
        email,
        name: email,
        role,
        password_hash: 'phc',
      });
      if (!operator) throw new Error('createOperator without onlyIfFirst must create');
      return operator;
    }

    function refreshToken(session: { id: string; tenant_id: string; operator_id: string }): NewRefreshToken {
      const id = randomUUID();
      return {
        id,
        session_id: session.id,
        tenant_id: session.tenant_id,
        operator_id: session.operator_id,
        token_hash: `hash-${id}`,
        expires_at: inAnHour(),
      };
    }

    /** A session of the operator with its first token. */
    async function newSession(operator: { id: string; tenant_id: string }) {
      const session = { id: randomUUID(), tenant_id: operator.tenant_id, operator_id: operator.id };
      const first = refreshToken(session);
      await store.createSession(session, first);
      return { session, first };
    }

    async function owners(tenant_id: string) {
      return (await store.listOperators(tenant_id)).filter((operator) => operator.role === 'owner');
    }

    test('creates and finds operators; an email is unique per tenant, not globally', async () => {
      const tenant = await newTenant();
      const owner = await newOperator(tenant, 'ann@example.com');
      expect(owner).toMatchObject({
        tenant_id: tenant,
        email: 'ann@example.com',
        role: 'owner',
        password_hash: 'phc',
      });
      expect(await store.getOperator(tenant, owner.id)).toEqual(owner);
      expect(await store.findOperatorByEmail(tenant, 'ann@example.com')).toEqual(owner);
      expect(await store.findOperatorByEmail(tenant, 'nobody@example.com')).toBeUndefined();
      await expect(newOperator(tenant, 'ann@example.com', 'agent')).rejects.toBeInstanceOf(ConflictError);

      const elsewhere = await newTenant();
      expect((await newOperator(elsewhere, 'ann@example.com')).tenant_id).toBe(elsewhere);
      await tick();
      const second = await newOperator(tenant, 'bob@example.com', 'agent');
      await tick();
      const third = await newOperator(tenant, 'cy@example.com', 'admin');
      expect((await store.listOperators(tenant)).map((operator) => operator.id)).toEqual([
        owner.id,
        second.id,
        third.id,
      ]);
      await expect(newOperator('no-such-tenant', 'x@example.com')).rejects.toThrow();
    });

    test('onlyIfFirst creates the first operator only, even when ten race for it', async () => {
      // Opening connections spaces the racers out; with them open, they really run together.
      await Promise.all(Array.from({ length: 10 }, () => store.ping()));
      for (let round = 0; round < 5; round++) {
        const tenant = await newTenant();
        const results = await Promise.all(
          Array.from({ length: 10 }, (_, index) =>
            store.createOperator(
              {
                tenant_id: tenant,
                email: `first${index}@example.com`,
                name: 'F',
                role: 'owner',
                password_hash: 'p',
              },
              { onlyIfFirst: true },
            ),
          ),
        );
        const created = results.filter((result) => result !== undefined);
        expect(created).toHaveLength(1);
        expect(await store.listOperators(tenant)).toEqual(created);
      }
      const tenant = await newTenant();
      await newOperator(tenant, 'first@example.com');
      const late = {
        tenant_id: tenant,
        email: 'late@example.com',
        name: 'L',
        role: 'agent' as const,
        password_hash: 'p',
      };
      expect(await store.createOperator(late, { onlyIfFirst: true })).toBeUndefined();
      expect(await store.createOperator(late)).toMatchObject({ email: 'late@example.com' });
    });

    test('updates an operator field by field', async () => {
      const tenant = await newTenant();
      const owner = await newOperator(tenant, 'ann@example.com');
      await tick();
      const renamed = await store.updateOperator(tenant, owner.id, { name: 'Ann B.' });
      expect(renamed).toMatchObject({
        name: 'Ann B.',
        role: 'owner',
        password_hash: 'phc',
        created_at: owner.created_at,
      });
      expect((renamed?.updated_at ?? '') > owner.updated_at).toBe(true);
      const rehashed = await store.updateOperator(tenant, owner.id, { password_hash: 'phc2' });
      expect(rehashed).toMatchObject({ name: 'Ann B.', password_hash: 'phc2' });
      expect(await store.getOperator(tenant, owner.id)).toEqual(rehashed);
      expect(await store.updateOperator(tenant, randomUUID(), { name: 'x' })).toBeUndefined();
    });

    test('the last owner is neither demoted nor deleted while operators remain', async () => {
      const tenant = await newTenant();
      const ann = await newOperator(tenant, 'ann@example.com');
      await expect(store.updateOperator(tenant, ann.id, { role: 'admin' })).rejects.toBeInstanceOf(
        LastOwnerError,
      );
      const bob = await newOperator(tenant, 'bob@example.com', 'agent');
      await expect(store.updateOperator(tenant, ann.id, { role: 'agent' })).rejects.toBeInstanceOf(
        LastOwnerError,
      );
      await expect(store.deleteOperator(tenant, ann.id)).rejects.toBeInstanceOf(LastOwnerError);
      expect(await store.getOperator(tenant, ann.id)).toMatchObject({ role: 'owner' });

      expect(await store.updateOperator(tenant, bob.id, { role: 'owner' })).toMatchObject({ role: 'owner' });
      expect(await store.updateOperator(tenant, ann.id, { role: 'admin' })).toMatchObject({ role: 'admin' });
      await expect(store.deleteOperator(tenant, bob.id)).rejects.toBeInstanceOf(LastOwnerError);
      expect(await store.deleteOperator(tenant, ann.id)).toBe(true);
      // The sole operator may go: a tenant without operators has nobody left to lock out.
      expect(await store.deleteOperator(tenant, bob.id)).toBe(true);
      expect(await store.listOperators(tenant)).toEqual([]);
      expect(await store.deleteOperator(tenant, bob.id)).toBe(false);
    });

    test('two owners demoting or deleting each other at once leave an owner', async () => {
      for (let round = 0; round < 5; round++) {
        const tenant = await newTenant();
        const ann = await newOperator(tenant, 'ann@example.com');
        const bob = await newOperator(tenant, 'bob@example.com');
        const demotions = await Promise.allSettled([
          store.updateOperator(tenant, ann.id, { role: 'admin' }),
          store.updateOperator(tenant, bob.id, { role: 'agent' }),
        ]);
        expect(demotions.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
        const refused = demotions.find((result) => result.status === 'rejected');
        expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(LastOwnerError);
        expect(await owners(tenant)).toHaveLength(1);

        const cy = await newOperator(tenant, 'cy@example.com');
        // The other owner, not cy: listed in creation order, two operators made in the same
        // millisecond may come either way.
        const owner = (await owners(tenant)).find((operator) => operator.id !== cy.id);
        const deletions = await Promise.allSettled([
          store.deleteOperator(tenant, cy.id),
          store.deleteOperator(tenant, owner?.id ?? ''),
        ]);
        expect(deletions.filter((result) => result.status === 'fulfilled')).toHaveLength(1);
        expect(await owners(tenant)).toHaveLength(1);
      }
    });

    test('deleting an operator removes its sessions and refresh tokens', async () => {
      const tenant = await newTenant();
      const owner = await newOperator(tenant, 'ann@example.com');
      const agent = await newOperator(tenant, 'bob@example.com', 'agent');
      const doomed = await newSession(agent);
      const kept = await newSession(owner);
      expect(await store.deleteOperator(tenant, agent.id)).toBe(true);
      expect(await store.getOperator(tenant, agent.id)).toBeUndefined();
      expect(await store.getSession(tenant, doomed.session.id)).toBeUndefined();
      expect(await store.getRefreshToken(doomed.first.id)).toBeUndefined();
      expect(await store.findRefreshToken(doomed.first.token_hash)).toBeUndefined();
      expect(await store.getSession(tenant, kept.session.id)).toMatchObject({ revoked_at: null });
      expect(await store.getRefreshToken(kept.first.id)).toMatchObject({ session_id: kept.session.id });
    });

    test("another tenant's ids find nothing and change nothing", async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      const owner = await newOperator(tenant, 'ann@example.com');
      await newOperator(other, 'eve@example.com');
      const { session } = await newSession(owner);
      const key = await store.createApiKey({
        tenant_id: tenant,
        name: 'CRM',
        role: 'agent',
        prefix: 'mk_1',
        key_hash: `key-${randomUUID()}`,
        created_by: owner.id,
      });

      expect(await store.getOperator(other, owner.id)).toBeUndefined();
      expect(await store.findOperatorByEmail(other, 'ann@example.com')).toBeUndefined();
      expect((await store.listOperators(other)).map((operator) => operator.email)).toEqual([
        'eve@example.com',
      ]);
      expect(await store.updateOperator(other, owner.id, { name: 'Mallory' })).toBeUndefined();
      expect(await store.deleteOperator(other, owner.id)).toBe(false);
      expect(await store.getSession(other, session.id)).toBeUndefined();
      await store.revokeSession(other, session.id, 'logout');
      expect(await store.revokeOperatorSessions(other, owner.id, 'logout')).toBe(0);
      expect(await store.revokeApiKey(other, key.id)).toBe(false);
      expect(await store.listApiKeys(other)).toEqual([]);

      expect(await store.getOperator(tenant, owner.id)).toEqual(owner);
      expect(await store.getSession(tenant, session.id)).toMatchObject({ revoked_at: null });
      expect(await store.findApiKey(key.key_hash)).toMatchObject({ revoked_at: null });
    });

    test('a session starts with its first refresh token; revocation keeps the first reason', async () => {
      const owner = await newOperator(await newTenant(), 'ann@example.com');
      const { session, first } = await newSession(owner);
      expect(await store.getSession(owner.tenant_id, session.id)).toMatchObject({
        ...session,
        revoked_at: null,
        revoked_reason: null,
      });
      const token = await store.findRefreshToken(first.token_hash);
      expect(token).toEqual({ ...first, created_at: token?.created_at, rotated_at: null, replaced_by: null });
      expect(await store.getRefreshToken(first.id)).toEqual(token);
      expect(await store.findRefreshToken('no-such-hash')).toBeUndefined();
      await expect(store.createSession(session, refreshToken(session))).rejects.toBeInstanceOf(ConflictError);

      await store.revokeSession(owner.tenant_id, session.id, 'reuse');
      const revoked = await store.getSession(owner.tenant_id, session.id);
      expect(revoked).toMatchObject({ revoked_reason: 'reuse' });
      expect(revoked?.revoked_at).toEqual(expect.any(String));
      await tick();
      await store.revokeSession(owner.tenant_id, session.id, 'logout');
      expect(await store.getSession(owner.tenant_id, session.id)).toEqual(revoked);
    });

    test('revokeOperatorSessions revokes the live sessions of that operator and counts them', async () => {
      const tenant = await newTenant();
      const ann = await newOperator(tenant, 'ann@example.com');
      const bob = await newOperator(tenant, 'bob@example.com', 'agent');
      const sessions = [await newSession(ann), await newSession(ann), await newSession(ann)];
      const bobs = await newSession(bob);
      await store.revokeSession(tenant, sessions[0]?.session.id ?? '', 'logout');
      expect(await store.revokeOperatorSessions(tenant, ann.id, 'password_change')).toBe(2);
      expect(await store.revokeOperatorSessions(tenant, ann.id, 'password_change')).toBe(0);
      const reasons = await Promise.all(
        sessions.map(async ({ session }) => (await store.getSession(tenant, session.id))?.revoked_reason),
      );
      expect(reasons).toEqual(['logout', 'password_change', 'password_change']);
      expect(await store.getSession(tenant, bobs.session.id)).toMatchObject({ revoked_at: null });
    });

    test('a refresh token rotates once, into a successor that rotates in turn', async () => {
      const owner = await newOperator(await newTenant(), 'ann@example.com');
      const { session, first } = await newSession(owner);
      const second = refreshToken(session);
      expect(await store.rotateRefreshToken(first.id, second)).toBe(true);
      expect(await store.getRefreshToken(first.id)).toMatchObject({
        replaced_by: second.id,
        rotated_at: expect.any(String),
      });
      expect(await store.findRefreshToken(second.token_hash)).toMatchObject({
        id: second.id,
        rotated_at: null,
      });

      const stolen = refreshToken(session);
      expect(await store.rotateRefreshToken(first.id, stolen)).toBe(false);
      expect(await store.getRefreshToken(stolen.id)).toBeUndefined();
      expect(await store.getRefreshToken(first.id)).toMatchObject({ replaced_by: second.id });
      expect(await store.rotateRefreshToken(second.id, refreshToken(session))).toBe(true);
      expect(await store.rotateRefreshToken(randomUUID(), refreshToken(session))).toBe(false);
    });

    test('of ten concurrent rotations of one token exactly one wins', async () => {
      for (let round = 0; round < 3; round++) {
        const owner = await newOperator(await newTenant(), 'ann@example.com');
        const { session, first } = await newSession(owner);
        const successors = Array.from({ length: 10 }, () => refreshToken(session));
        const results = await Promise.all(
          successors.map((successor) => store.rotateRefreshToken(first.id, successor)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = successors[results.indexOf(true)];
        const stored = await Promise.all(successors.map((successor) => store.getRefreshToken(successor.id)));
        expect(stored.filter(Boolean).map((token) => token?.id)).toEqual([winner?.id]);
        expect(await store.getRefreshToken(first.id)).toMatchObject({ replaced_by: winner?.id });
      }
    });

    test("a revoked session's token does not rotate and nothing is stored", async () => {
      const owner = await newOperator(await newTenant(), 'ann@example.com');
      const { session, first } = await newSession(owner);
      await store.revokeSession(owner.tenant_id, session.id, 'logout');
      const successor = refreshToken(session);
      expect(await store.rotateRefreshToken(first.id, successor)).toBe(false);
      expect(await store.getRefreshToken(successor.id)).toBeUndefined();
      expect(await store.getRefreshToken(first.id)).toMatchObject({ rotated_at: null, replaced_by: null });
    });

    test("an invitation makes one operator with the invitation's role, once, even when accepts race", async () => {
      const tenant = await newTenant();
      const owner = await newOperator(tenant, 'ann@example.com');
      const expires_at = inAnHour();
      const invite = (email: string) =>
        store.createInvitation({
          tenant_id: tenant,
          email,
          role: 'admin',
          token_hash: `inv-${randomUUID()}`,
          invited_by: owner.id,
          expires_at,
        });
      const invitation = await invite('bob@example.com');
      expect(invitation).toMatchObject({
        tenant_id: tenant,
        email: 'bob@example.com',
        role: 'admin',
        invited_by: owner.id,
        expires_at,
        accepted_at: null,
      });

      const bob = {
        tenant_id: tenant,
        email: 'bob@example.com',
        name: 'Bob',
        role: 'owner' as const,
        password_hash: 'p',
      };
      const accepted = await store.acceptInvitation(invitation.token_hash, bob);
      expect(accepted).toMatchObject({ email: 'bob@example.com', name: 'Bob', role: 'admin' });
      expect(
        await store.acceptInvitation(invitation.token_hash, { ...bob, name: 'Bob again' }),
      ).toBeUndefined();

      const racing = await invite('cy@example.com');
      const results = await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          store.acceptInvitation(racing.token_hash, { ...bob, email: 'cy@example.com', name: `Cy ${index}` }),
        ),
      );
      expect(results.filter((result) => result !== undefined)).toHaveLength(1);
      expect((await store.listOperators(tenant)).map((operator) => operator.email).sort()).toEqual([
        'ann@example.com',
        'bob@example.com',
        'cy@example.com',
      ]);
    });

    test('an expired, misaddressed or foreign invitation is refused and stays usable where valid', async () => {
      const tenant = await newTenant();
      const other = await newTenant();
      const owner = await newOperator(tenant, 'ann@example.com');
      const base = {
        tenant_id: tenant,
        email: 'bob@example.com',
        role: 'agent' as const,
        invited_by: owner.id,
      };
      const expired = await store.createInvitation({
        ...base,
        token_hash: `inv-${randomUUID()}`,
        expires_at: new Date(Date.now() - 1000).toISOString(),
      });
      const valid = await store.createInvitation({
        ...base,
        token_hash: `inv-${randomUUID()}`,
        expires_at: inAnHour(),
      });
      const bob = {
        tenant_id: tenant,
        email: 'bob@example.com',
        name: 'Bob',
        role: 'agent' as const,
        password_hash: 'p',
      };

      expect(await store.acceptInvitation(expired.token_hash, bob)).toBeUndefined();
      expect(
        await store.acceptInvitation(valid.token_hash, { ...bob, email: 'eve@example.com' }),
      ).toBeUndefined();
      expect(await store.acceptInvitation(valid.token_hash, { ...bob, tenant_id: other })).toBeUndefined();
      expect(await store.acceptInvitation('no-such-hash', bob)).toBeUndefined();
      expect(await store.listOperators(other)).toEqual([]);
      expect(await store.listOperators(tenant)).toHaveLength(1);
      expect(await store.acceptInvitation(valid.token_hash, bob)).toMatchObject({
        email: 'bob@example.com',
        role: 'agent',
      });
    });

    test('accepting for a taken email conflicts and leaves the invitation unused', async () => {
      const tenant = await newTenant();
      const owner = await newOperator(tenant, 'ann@example.com');
      const taken = await newOperator(tenant, 'bob@example.com', 'agent');
      const invitation = await store.createInvitation({
        tenant_id: tenant,
        email: 'bob@example.com',
        role: 'admin',
        token_hash: `inv-${randomUUID()}`,
        invited_by: owner.id,
        expires_at: inAnHour(),
      });
      const bob = {
        tenant_id: tenant,
        email: 'bob@example.com',
        name: 'Bob',
        role: 'agent' as const,
        password_hash: 'p',
      };
      await expect(store.acceptInvitation(invitation.token_hash, bob)).rejects.toBeInstanceOf(ConflictError);
      expect(await store.getOperator(tenant, taken.id)).toEqual(taken);
      expect(await store.deleteOperator(tenant, taken.id)).toBe(true);
      expect(await store.acceptInvitation(invitation.token_hash, bob)).toMatchObject({ role: 'admin' });
    });

    test('API keys list newest first, are found by hash, and revoke once', async () => {
      const tenant = await newTenant();
      const owner = await newOperator(tenant, 'ann@example.com');
      const create = (name: string, role: 'admin' | 'agent') =>
        store.createApiKey({
          tenant_id: tenant,
          name,
          role,
          prefix: `mk_${name}`,
          key_hash: `key-${randomUUID()}`,
          created_by: owner.id,
        });
      const older = await create('crm', 'agent');
      await tick();
      const newer = await create('billing', 'admin');
      expect(older).toMatchObject({
        tenant_id: tenant,
        name: 'crm',
        role: 'agent',
        prefix: 'mk_crm',
        revoked_at: null,
      });
      expect(await store.findApiKey(older.key_hash)).toEqual(older);
      expect(await store.findApiKey('no-such-hash')).toBeUndefined();
      expect(await store.listApiKeys(tenant)).toEqual([newer, older]);
      await expect(store.createApiKey({ ...older, name: 'copy' })).rejects.toBeInstanceOf(ConflictError);

      expect(await store.revokeApiKey(tenant, older.id)).toBe(true);
      expect(await store.revokeApiKey(tenant, older.id)).toBe(false);
      expect(await store.revokeApiKey(tenant, randomUUID())).toBe(false);
      expect((await store.findApiKey(older.key_hash))?.revoked_at).toEqual(expect.any(String));
      expect((await store.listApiKeys(tenant)).map((key) => [key.id, key.revoked_at === null])).toEqual([
        [newer.id, true],
        [older.id, false],
      ]);
    });
  });
}
