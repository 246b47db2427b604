/**
 * Markdown for chat bubbles, escape-first: the text is split into blocks and inline tokens and
 * rendered as elements, so nothing in it is ever parsed as HTML (`<img onerror=…>` shows as
 * text). Links open in a new tab and only `http(s)` and `mailto` are links; anything else
 * (`javascript:`, `data:`) stays text. Enough for what assistants write: paragraphs, line breaks,
 * lists, bold, italics, code and links.
 */
import type { ReactNode } from 'react';

type Block = { kind: 'p'; lines: string[] } | { kind: 'ul' | 'ol'; items: string[] };

const BULLET = /^\s*[-*•]\s+(.*)$/;
const NUMBERED = /^\s*\d{1,3}[.)]\s+(.*)$/;
/** Links, bold, code, bare URLs, italics: in this order of precedence. */
const INLINE =
  /\[([^\]\n]{1,500})\]\(([^)\s]{1,2000})\)|\*\*([^*\n]{1,2000})\*\*|`([^`\n]{1,2000})`|(https?:\/\/[^\s<>()]*[^\s<>().,;:!?'"])|(?<![\w*])\*([^*\n]{1,2000})\*(?![\w*])/g;
const SAFE_URL = /^(https?:\/\/|mailto:)/i;

export function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  for (const line of text.replace(/\r\n?/g, '\n').split('\n')) {
    const bullet = BULLET.exec(line);
    const numbered = bullet ? null : NUMBERED.exec(line);
    const last = blocks.at(-1);
    if (bullet || numbered) {
      const kind = bullet ? 'ul' : 'ol';
      const item = (bullet ?? numbered)?.[1] ?? '';
      if (last?.kind === kind) last.items.push(item);
      else blocks.push({ kind, items: [item] });
    } else if (line.trim() === '') {
      if (last?.kind === 'p' && last.lines.length > 0) blocks.push({ kind: 'p', lines: [] });
    } else if (last?.kind === 'p') {
      last.lines.push(line);
    } else {
      blocks.push({ kind: 'p', lines: [line] });
    }
  }
  return blocks.filter((block) => (block.kind === 'p' ? block.lines.length > 0 : true));
}

export function renderInline(text: string): ReactNode[] {
  const nodes: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(INLINE)) {
    const at = match.index ?? 0;
    if (at > last) nodes.push(text.slice(last, at));
    const [whole, label, href, bold, code, bare, italic] = match;
    const key = `${at}`;
    if (href !== undefined) {
      nodes.push(SAFE_URL.test(href) ? <SafeLink key={key} href={href} label={label ?? href} /> : whole);
    } else if (bold !== undefined) nodes.push(<strong key={key}>{bold}</strong>);
    else if (code !== undefined) nodes.push(<code key={key}>{code}</code>);
    else if (bare !== undefined) nodes.push(<SafeLink key={key} href={bare} label={bare} />);
    else if (italic !== undefined) nodes.push(<em key={key}>{italic}</em>);
    last = at + whole.length;
  }
  if (last < text.length) nodes.push(text.slice(last));
  return nodes;
}

function SafeLink({ href, label }: { href: string; label: string }) {
  return (
    <a href={href} target="_blank" rel="noopener noreferrer">
      {label}
    </a>
  );
}

/** A message's text as elements. */
export function Markdown({ text }: { text: string }) {
  return (
    <>
      {parseBlocks(text).map((block, index) => {
        const key = `${block.kind}${index}`;
        if (block.kind === 'p') {
          return (
            <p key={key}>
              {block.lines.flatMap((line, lineIndex) =>
                lineIndex === 0
                  ? renderInline(line)
                  : // biome-ignore lint/suspicious/noArrayIndexKey: a line break has no identity but its place
                    [<br key={`br${lineIndex}`} />, ...renderInline(line)],
              )}
            </p>
          );
        }
        const List = block.kind;
        return (
          <List key={key}>
            {block.items.map((item, itemIndex) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: list items have no identity but their place
              <li key={itemIndex}>{renderInline(item)}</li>
            ))}
          </List>
        );
      })}
    </>
  );
}
