/** API keys for server-to-server calls: create (the key is shown once), list, revoke. */
import type { ApiKey, CreatedApiKey } from '@miptech/protocol';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { timeOf } from '../format.ts';
import { useSession } from '../session/session-context.ts';
import { messageOf, type Status, StatusLine } from './status-line.tsx';
import { OnceSecret } from './team-settings.tsx';

export function ApiKeys() {
  const { auth } = useSession();
  const [keys, setKeys] = useState<ApiKey[] | undefined>();
  const [name, setName] = useState('');
  const [role, setRole] = useState<'agent' | 'admin'>('agent');
  const [created, setCreated] = useState<string | undefined>();
  const [status, setStatus] = useState<Status>();

  const load = useCallback(() => {
    auth
      .request<{ items: ApiKey[] }>('/api-keys')
      .then((page) => setKeys(page.items))
      .catch((caught: unknown) => setStatus({ kind: 'error', text: messageOf(caught) }));
  }, [auth]);
  useEffect(load, [load]);

  const create = async (event: FormEvent) => {
    event.preventDefault();
    setCreated(undefined);
    try {
      const key = await auth.request<CreatedApiKey>('/api-keys', {
        method: 'POST',
        body: { name: name.trim(), role },
      });
      setCreated(key.key);
      setName('');
      setStatus({ kind: 'done', text: `Key "${key.name}" created. Copy it now: it is never shown again.` });
      load();
    } catch (caught) {
      setStatus({ kind: 'error', text: messageOf(caught) });
    }
  };

  const revoke = async (key: ApiKey) => {
    if (!confirm(`Revoke "${key.name}"? Calls with it fail at once.`)) return;
    try {
      await auth.request(`/api-keys/${encodeURIComponent(key.id)}`, { method: 'DELETE' });
      setStatus({ kind: 'done', text: `Key "${key.name}" revoked.` });
    } catch (caught) {
      setStatus({ kind: 'error', text: messageOf(caught) });
    }
    load();
  };

  return (
    <section aria-labelledby="keys-title">
      <h2 id="keys-title">API keys</h2>
      <p className="hint">
        For your servers: send a key as <code>Authorization: Bearer …</code> or <code>X-API-Key</code>. A key
        acts with its role and can never manage the team or create keys.
      </p>
      {keys && keys.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.map((key) => (
                <tr key={key.id} data-revoked={key.revoked_at ? 'true' : undefined}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}…</code>
                  </td>
                  <td>{key.role}</td>
                  <td>{timeOf(key.created_at)}</td>
                  <td>
                    {key.revoked_at ? (
                      `Revoked ${timeOf(key.revoked_at)}`
                    ) : (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => void revoke(key)}
                        aria-label={`Revoke ${key.name}`}
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="inline" onSubmit={create} aria-label="Create an API key">
        <label htmlFor="key-name">New key's name</label>
        <input
          id="key-name"
          value={name}
          onChange={(event) => setName(event.target.value)}
          required
          maxLength={100}
        />
        <label htmlFor="key-role" className="visually-hidden">
          Role of the key
        </label>
        <select
          id="key-role"
          value={role}
          onChange={(event) => setRole(event.target.value as 'agent' | 'admin')}
        >
          <option value="agent">agent</option>
          <option value="admin">admin</option>
        </select>
        <button type="submit" className="primary">
          Create key
        </button>
      </form>
      <StatusLine status={status} />
      {created && <OnceSecret label="New API key" value={created} />}
    </section>
  );
}
