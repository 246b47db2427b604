/** What every screen of a signed-in console reads: the operator, their client and their socket. */
import type { AuthClient, RealtimeConnection } from '@miptech/client';
import type { Operator } from '@miptech/protocol';
import { createContext, useContext } from 'react';

export interface Session {
  auth: AuthClient;
  realtime: RealtimeConnection;
  user: Operator;
  signOut(): Promise<void>;
}

export const SessionContext = createContext<Session | undefined>(undefined);

export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error('useSession outside a signed-in console');
  return session;
}

/** Owners and admins change settings and knowledge; agents answer chats (the API's roles). */
export const canManage = (user: Operator) => user.role === 'owner' || user.role === 'admin';
