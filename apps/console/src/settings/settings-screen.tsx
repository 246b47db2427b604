/**
 * The tenant's settings for owners and admins: the company (name, allowed origins, greeting),
 * the assistant, the team, API keys, and the embed line with a live preview of the widget.
 */
import type { TenantSettings } from '@miptech/protocol';
import { type FormEvent, useEffect, useState } from 'react';
import { useSession } from '../session/session-context.ts';
import { ApiKeys } from './api-keys.tsx';
import { AssistantSettings } from './assistant-settings.tsx';
import { EmbedSettings } from './embed-settings.tsx';
import { messageOf, type Status, StatusLine } from './status-line.tsx';
import { TeamSettings } from './team-settings.tsx';

export function SettingsScreen() {
  const { auth } = useSession();
  const [tenant, setTenant] = useState<TenantSettings | undefined>();
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [greeting, setGreeting] = useState('');
  const [status, setStatus] = useState<Status>();

  const show = (settings: TenantSettings) => {
    setTenant(settings);
    setName(settings.name);
    setOrigins(settings.allowed_origins.join('\n'));
    setGreeting(settings.greeting);
  };

  useEffect(() => {
    auth
      .request<TenantSettings>('/tenant')
      .then(show)
      .catch((caught: unknown) => setStatus({ kind: 'error', text: messageOf(caught) }));
  }, [auth]);

  const save = async (event: FormEvent) => {
    event.preventDefault();
    setStatus({ kind: 'busy', text: 'Saving…' });
    try {
      const allowed = origins
        .split(/\s+/)
        .map((origin) => origin.trim())
        .filter(Boolean);
      show(
        await auth.request<TenantSettings>('/tenant', {
          method: 'PATCH',
          body: { name, allowed_origins: allowed, greeting },
        }),
      );
      setStatus({
        kind: 'done',
        text: 'Saved. Allowed origins apply within a few seconds; widgets show the new greeting when next opened (a page that sets data-greeting keeps its own).',
      });
    } catch (caught) {
      setStatus({ kind: 'error', text: messageOf(caught) });
    }
  };

  if (!tenant)
    return (
      <main className="screen" id="main">
        <h1>Settings</h1>
        <p role={status?.kind === 'error' ? 'alert' : 'status'}>{status?.text ?? 'Loading…'}</p>
      </main>
    );

  return (
    <main className="screen settings" id="main">
      <h1>Settings</h1>
      <nav aria-label="Settings sections" className="section-links">
        <a href="#company-title">Company</a> · <a href="#assistant-title">Assistant</a> ·{' '}
        <a href="#team-title">Team</a> · <a href="#keys-title">API keys</a> · <a href="#embed-title">Embed</a>
      </nav>
      <form className="stack" onSubmit={save} aria-labelledby="company-title">
        <h2 id="company-title">Company</h2>
        <label>
          Name
          <input value={name} onChange={(event) => setName(event.target.value)} required maxLength={200} />
        </label>
        <label>
          Allowed origins (one per line, e.g. https://www.example.com)
          <textarea value={origins} onChange={(event) => setOrigins(event.target.value)} rows={4} />
        </label>
        <label>
          Greeting (the widget's first message)
          <textarea
            value={greeting}
            onChange={(event) => setGreeting(event.target.value)}
            rows={3}
            maxLength={500}
          />
        </label>
        <button type="submit" className="primary" disabled={status?.kind === 'busy'}>
          Save settings
        </button>
        <StatusLine status={status} />
      </form>
      <AssistantSettings tenant={tenant} onSaved={show} />
      <TeamSettings />
      <ApiKeys />
      <EmbedSettings tenantId={tenant.id} />
    </main>
  );
}
