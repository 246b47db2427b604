/**
 * Signed out: the sign-in screen. Signed in: the shell. A reload restores the session from the
 * HttpOnly refresh cookie (the access token was only ever in memory).
 */
import type { AuthClient, RealtimeConnection } from '@miptech/client';
import type { Operator } from '@miptech/protocol';
import { useCallback, useEffect, useMemo, useState } from 'react';
import { authFor, realtimeFor, rememberedTenant, rememberTenant } from './platform.ts';
import { type Session, SessionContext } from './session/session-context.ts';
import { SignIn } from './session/sign-in.tsx';
import { Shell } from './shell.tsx';

interface Signed {
  auth: AuthClient;
  user: Operator;
}

export function App() {
  const [signed, setSigned] = useState<Signed | undefined>();
  const [restoring, setRestoring] = useState(() => rememberedTenant() !== undefined);

  useEffect(() => {
    const tenantId = rememberedTenant();
    if (!tenantId) return;
    const auth = authFor(tenantId);
    let live = true;
    auth
      .refresh()
      .then(() => {
        if (live && auth.user) setSigned({ auth, user: auth.user });
      })
      .catch(() => {
        // No cookie, or an ended session: sign in again.
      })
      .finally(() => {
        if (live) setRestoring(false);
      });
    return () => {
      live = false;
    };
  }, []);

  const onSignedIn = useCallback((auth: AuthClient, user: Operator) => {
    rememberTenant(auth.http.tenantId);
    setSigned({ auth, user });
  }, []);

  if (restoring)
    return (
      <p className="centered" role="status">
        Restoring your session…
      </p>
    );
  if (!signed) return <SignIn onSignedIn={onSignedIn} />;
  return <SignedIn signed={signed} onSignedOut={() => setSigned(undefined)} />;
}

function SignedIn({ signed, onSignedOut }: { signed: Signed; onSignedOut: () => void }) {
  const { auth, user } = signed;
  const [realtime] = useState<RealtimeConnection>(() => realtimeFor(auth));
  useEffect(() => {
    realtime.connect();
    return () => realtime.close();
  }, [realtime]);
  // A session that ends elsewhere (logout in another tab, a revoked refresh) signs this one out.
  useEffect(() => auth.onChange((next) => (next ? undefined : onSignedOut())), [auth, onSignedOut]);

  const session = useMemo<Session>(
    () => ({
      auth,
      realtime,
      user,
      async signOut() {
        realtime.close();
        await auth.logout().catch(() => undefined);
        onSignedOut();
      },
    }),
    [auth, realtime, user, onSignedOut],
  );
  return (
    <SessionContext.Provider value={session}>
      <Shell />
    </SessionContext.Provider>
  );
}
