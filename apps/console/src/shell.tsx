/** The signed-in frame: navigation by role, who is signed in, sign out, and the current screen. */
import { InboxScreen } from './inbox/inbox-screen.tsx';
import { KnowledgeScreen } from './knowledge/knowledge-screen.tsx';
import { follow, hrefOf, type Route, useRoute } from './router.ts';
import { canManage, useSession } from './session/session-context.ts';
import { SettingsScreen } from './settings/settings-screen.tsx';

export function Shell() {
  const { user, signOut } = useSession();
  const route = useRoute();
  const links: Array<{ route: Route; label: string }> = [
    { route: { screen: 'inbox' }, label: 'Inbox' },
    { route: { screen: 'knowledge' }, label: 'Knowledge' },
    // An agent cannot change settings, so the console does not offer them (the API refuses too).
    ...(canManage(user) ? [{ route: { screen: 'settings' } as Route, label: 'Settings' }] : []),
  ];
  return (
    <div className="shell">
      <header className="topbar">
        <span className="brand">MIPTech console</span>
        <nav aria-label="Console">
          <ul>
            {links.map((link) => (
              <li key={link.label}>
                <a
                  href={hrefOf(link.route)}
                  onClick={follow(link.route)}
                  aria-current={link.route.screen === route.screen ? 'page' : undefined}
                >
                  {link.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <span className="who">
          {user.name} <span className="role">({user.role})</span>
        </span>
        <button type="button" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      {route.screen === 'inbox' && <InboxScreen chatId={route.chatId} />}
      {route.screen === 'knowledge' && <KnowledgeScreen />}
      {route.screen === 'settings' &&
        (canManage(user) ? (
          <SettingsScreen />
        ) : (
          <main className="screen" id="main">
            <h1>Settings</h1>
            <p role="alert">Only owners and admins can open settings. Ask one of them for a change.</p>
          </main>
        ))}
    </div>
  );
}
