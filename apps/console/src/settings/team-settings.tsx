/**
 * The team: who can sign in, with which role; invite (the link is shown once), change a role,
 * remove. Only an owner may grant, change or remove the owner role (the API enforces it too).
 */
import type { Invitation, Operator, OperatorRole } from '@miptech/protocol';
import { type FormEvent, useCallback, useEffect, useState } from 'react';
import { useSession } from '../session/session-context.ts';
import { messageOf, type Status, StatusLine } from './status-line.tsx';

/** The console link an invitee opens to choose their password. */
export function invitationLink(
  invitation: Pick<Invitation, 'tenant_id' | 'email' | 'invitation_token'>,
): string {
  const query = new URLSearchParams({
    tenant: invitation.tenant_id,
    email: invitation.email,
    invitation: invitation.invitation_token,
  });
  return `${location.origin}/console?${query}`;
}

export function TeamSettings() {
  const { auth, user } = useSession();
  const [team, setTeam] = useState<Operator[] | undefined>();
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<OperatorRole>('agent');
  const [link, setLink] = useState<string | undefined>();
  const [status, setStatus] = useState<Status>();
  const owner = user.role === 'owner';
  const roles: OperatorRole[] = owner ? ['agent', 'admin', 'owner'] : ['agent', 'admin'];

  const load = useCallback(() => {
    auth
      .request<{ items: Operator[] }>('/operators')
      .then((page) => setTeam(page.items))
      .catch((caught: unknown) => setStatus({ kind: 'error', text: messageOf(caught) }));
  }, [auth]);
  useEffect(load, [load]);

  const invite = async (event: FormEvent) => {
    event.preventDefault();
    setStatus({ kind: 'busy', text: 'Inviting…' });
    setLink(undefined);
    try {
      const invitation = await auth.request<Invitation>('/auth/invitations', {
        method: 'POST',
        body: { email: email.trim(), role },
      });
      setLink(invitationLink(invitation));
      setEmail('');
      setStatus({
        kind: 'done',
        text: `Invitation for ${invitation.email} (${invitation.role}), valid until ${new Date(invitation.expires_at).toLocaleDateString()}. Send them the link: it is shown only now.`,
      });
    } catch (caught) {
      setStatus({ kind: 'error', text: messageOf(caught) });
    }
  };

  const changeRole = async (operator: Operator, next: OperatorRole) => {
    try {
      await auth.request(`/operators/${encodeURIComponent(operator.id)}`, {
        method: 'PATCH',
        body: { role: next },
      });
      setStatus({ kind: 'done', text: `${operator.name} is now ${next}.` });
    } catch (caught) {
      setStatus({ kind: 'error', text: messageOf(caught) });
    }
    load();
  };

  const remove = async (operator: Operator) => {
    if (!confirm(`Remove ${operator.name}? Their sessions end at once.`)) return;
    try {
      await auth.request(`/operators/${encodeURIComponent(operator.id)}`, { method: 'DELETE' });
      setStatus({ kind: 'done', text: `${operator.name} was removed.` });
    } catch (caught) {
      setStatus({ kind: 'error', text: messageOf(caught) });
    }
    load();
  };

  // Only an owner may touch an owner's role or membership; nobody edits themselves here.
  const editable = (operator: Operator) => operator.id !== user.id && (owner || operator.role !== 'owner');

  return (
    <section aria-labelledby="team-title">
      <h2 id="team-title">Team</h2>
      {!team ? (
        <p role="status">Loading…</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {team.map((operator) => (
                <tr key={operator.id}>
                  <td>{operator.name}</td>
                  <td>{operator.email}</td>
                  <td>
                    {editable(operator) ? (
                      <select
                        aria-label={`Role of ${operator.name}`}
                        value={operator.role}
                        onChange={(event) => void changeRole(operator, event.target.value as OperatorRole)}
                      >
                        {roles.map((option) => (
                          <option key={option} value={option}>
                            {option}
                          </option>
                        ))}
                      </select>
                    ) : (
                      operator.role
                    )}
                  </td>
                  <td>
                    {editable(operator) && (
                      <button
                        type="button"
                        className="danger"
                        onClick={() => void remove(operator)}
                        aria-label={`Remove ${operator.name}`}
                      >
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <form className="inline" onSubmit={invite} aria-label="Invite a teammate">
        <label htmlFor="invite-email">Invite by email</label>
        <input
          id="invite-email"
          type="email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          required
        />
        <label htmlFor="invite-role" className="visually-hidden">
          Role of the invitee
        </label>
        <select
          id="invite-role"
          value={role}
          onChange={(event) => setRole(event.target.value as OperatorRole)}
        >
          {roles.map((option) => (
            <option key={option} value={option}>
              {option}
            </option>
          ))}
        </select>
        <button type="submit" className="primary">
          Invite
        </button>
      </form>
      <StatusLine status={status} />
      {link && <OnceSecret label="Invitation link" value={link} />}
    </section>
  );
}

/** A secret shown once, selectable and copyable. */
export function OnceSecret({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="once-secret">
      <label>
        {label} (shown only now)
        <input readOnly value={value} onFocus={(event) => event.target.select()} />
      </label>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
