/**
 * Sign in with email and password, or accept an invitation (a link
 * `…/console?tenant=<id>&email=<email>&invitation=<token>`, as the Team settings and the CLI's
 * owner bootstrap print it, or a pasted token) by choosing a password. Both end signed in; the
 * refresh token goes to the HttpOnly cookie, never to storage a script can read, and the
 * invitation token leaves the address bar.
 */
import type { AuthClient } from '@miptech/client';
import type { Operator } from '@miptech/protocol';
import { type FormEvent, useState } from 'react';
import { authFor, DEFAULT_TENANT, rememberedTenant } from '../platform.ts';

interface Props {
  onSignedIn(auth: AuthClient, user: Operator): void;
}

export function SignIn({ onSignedIn }: Props) {
  const query = new URLSearchParams(location.search);
  const [invitation, setInvitation] = useState(query.get('invitation') ?? '');
  const [mode, setMode] = useState<'login' | 'invitation'>(invitation ? 'invitation' : 'login');
  const [tenantId, setTenantId] = useState(query.get('tenant') ?? rememberedTenant() ?? DEFAULT_TENANT);
  const [email, setEmail] = useState(query.get('email') ?? '');
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(undefined);
    const auth = authFor(tenantId.trim());
    try {
      if (mode === 'invitation') {
        await auth.http.request('/auth/register', {
          method: 'POST',
          body: { email, password, invitation_token: invitation.trim(), ...(name ? { name } : {}) },
          credentials: true,
        });
      }
      const user = await auth.login(email, password);
      // A used invitation is worthless, but it should not stay in the history or a shared screen.
      if (query.has('invitation')) history.replaceState(null, '', location.pathname);
      onSignedIn(auth, user);
    } catch (caught) {
      setError(caught instanceof Error ? caught.message : String(caught));
      setBusy(false);
    }
  };

  return (
    <main className="sign-in">
      <form onSubmit={submit} aria-labelledby="sign-in-title">
        <h1 id="sign-in-title">{mode === 'login' ? 'Sign in to the console' : 'Accept your invitation'}</h1>
        <label>
          Company (tenant id)
          <input
            value={tenantId}
            onChange={(e) => setTenantId(e.target.value)}
            required
            autoComplete="organization"
          />
        </label>
        {mode === 'invitation' && (
          <>
            <label>
              Invitation token
              <input value={invitation} onChange={(e) => setInvitation(e.target.value)} required />
            </label>
            <label>
              Your name
              <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="name" />
            </label>
          </>
        )}
        <label>
          Email
          <input
            type="email"
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            required
            autoComplete="username"
          />
        </label>
        <label>
          Password
          <input
            type="password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            required
            minLength={mode === 'invitation' ? 10 : 1}
            autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          />
        </label>
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" className="primary" disabled={busy}>
          {mode === 'login' ? 'Sign in' : 'Set password and sign in'}
        </button>
        <button
          type="button"
          className="link"
          onClick={() => setMode(mode === 'login' ? 'invitation' : 'login')}
        >
          {mode === 'login' ? 'I have an invitation' : 'I already have an account'}
        </button>
      </form>
    </main>
  );
}
