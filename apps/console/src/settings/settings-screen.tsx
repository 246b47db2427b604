/**
 * The tenant's settings for owners and admins: name, allowed origins, greeting, and the embed
 * line to copy. (The assistant's LLM settings, the team and API keys are not here yet.)
 */
import type { TenantSettings } from '@miptech/protocol';
import { type FormEvent, useEffect, useState } from 'react';
import { useSession } from '../session/session-context.ts';

export function SettingsScreen() {
  const { auth } = useSession();
  const [tenant, setTenant] = useState<TenantSettings | undefined>();
  const [name, setName] = useState('');
  const [origins, setOrigins] = useState('');
  const [greeting, setGreeting] = useState('');
  const [status, setStatus] = useState<{ kind: 'busy' | 'done' | 'error'; text: string } | undefined>();

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
      .catch((caught: unknown) => setStatus({ kind: 'error', text: String(caught) }));
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
        text: 'Saved. Allowed origins apply within a few seconds. The widget does not read the greeting from here yet: set it on its script tag (data-greeting).',
      });
    } catch (caught) {
      setStatus({ kind: 'error', text: caught instanceof Error ? caught.message : String(caught) });
    }
  };

  if (!tenant)
    return (
      <main className="screen" id="main">
        <h1>Settings</h1>
        <p role={status?.kind === 'error' ? 'alert' : 'status'}>{status?.text ?? 'Loading…'}</p>
      </main>
    );

  const embed = `<script src="${location.origin}/widget.js" data-tenant-id="${tenant.id}" async></script>`;
  return (
    <main className="screen settings" id="main">
      <h1>Settings</h1>
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
        {status && (
          <p
            className={status.kind === 'error' ? 'error' : 'note'}
            role={status.kind === 'error' ? 'alert' : 'status'}
          >
            {status.text}
          </p>
        )}
      </form>
      <section aria-labelledby="embed-title">
        <h2 id="embed-title">Embed the widget</h2>
        <p>Paste this line before the closing &lt;/body&gt; tag of every page of your site.</p>
        <pre className="embed">
          <code>{embed}</code>
        </pre>
        <button type="button" onClick={() => void navigator.clipboard?.writeText(embed)}>
          Copy the embed line
        </button>
      </section>
    </main>
  );
}
