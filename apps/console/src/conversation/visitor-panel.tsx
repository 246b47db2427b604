/** Who the visitor is and where they are: identity from `identify`, page, referrer, first seen. */
import type { Chat } from '@miptech/protocol';
import { timeOf } from '../format.ts';
import { pageOf, visitorOf } from '../inbox/inbox-lists.ts';

const text = (value: unknown) => (typeof value === 'string' && value ? value : undefined);

export function VisitorPanel({ chat }: { chat: Chat }) {
  const visitor = visitorOf(chat);
  const page = pageOf(chat);
  const referrer = text(chat.context.referrer);
  const rows: Array<[string, React.ReactNode]> = [
    ['Name', visitor.name ?? 'Not given'],
    ['Email', visitor.email ?? 'Not given'],
    ['Visitor id', chat.visitor_id],
    [
      'Page',
      page ? (
        <a href={page} target="_blank" rel="noopener noreferrer">
          {page}
        </a>
      ) : (
        'Unknown'
      ),
    ],
    ['Referrer', referrer ?? 'None'],
    ['First seen', timeOf(chat.created_at)],
    ['Browser', text(chat.context.user_agent) ?? 'Unknown'],
  ];
  return (
    <aside className="visitor-panel" aria-labelledby="visitor-title">
      <h2 id="visitor-title">Visitor</h2>
      <dl>
        {rows.map(([term, value]) => (
          <div key={term}>
            <dt>{term}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
    </aside>
  );
}
