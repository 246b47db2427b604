/**
 * MDX and docs-site Markdown (Docusaurus, VitePress, GitBook, Mintlify) → plain Markdown, before
 * the Markdown parser sees it. Those flavours add lines that are program, not prose: `import` and
 * `export` statements, JSX components, `{…}` expressions, admonition fences (`:::tip Title`) and
 * HTML comments with editors' notes. Left in, they become passages ("import Tabs from
 * '@theme/Tabs'") and answers quote them. Code fences are left exactly as written.
 */

/** A fenced code block's opening or closing line. */
const FENCE = /^\s*(`{3,}|~{3,})/;
/** An ES module line of MDX: `import X from '…'`, `import '…'`, `export const …`. */
const MODULE_LINE =
  /^(?:import\s+(?:[\w*{}\s,]+\s+from\s+)?['"][^'"]+['"];?|export\s+(?:const|let|var|function|default|\{)\b.*)\s*$/;
/** An admonition fence: `:::tip Title`, `::: warning`, `:::note[Title]`, or the closing `:::`. */
const ADMONITION = /^\s*:{3,}\s*([\w-]*)\s*(?:\[(.*)\]|(.*))?$/;
/** A JSX component's tag (capitalised, so never an HTML element): `<Tabs>`, `</TabItem>`, `<Note />`. */
const COMPONENT_TAG = /<\/?[A-Z][\w.]*(?:\s[^<>]*)?\/?>/g;
/** An MDX comment or expression: `{/* … *\/}`, `{props.name}`. */
const EXPRESSION = /\{[^{}\n]*\}/g;

/** Whether a body is MDX rather than plain Markdown: only then are braces code. */
export function looksLikeMdx(markdown: string): boolean {
  return (
    markdown.split('\n').some((line) => MODULE_LINE.test(line)) || /^\s*<[A-Z][\w.]*[\s/>]/m.test(markdown)
  );
}

/**
 * The body with MDX's program parts removed and admonitions turned into plain paragraphs (their
 * title, then their text). Plain Markdown loses only HTML comments and admonition fences.
 *
 * @example
 * cleanMdx("import Tabs from '@theme/Tabs';\n\n:::tip Save time\nUse the CLI.\n:::");
 * // → '\n\nSave time\n\nUse the CLI.\n'
 */
export function cleanMdx(markdown: string): string {
  const mdx = looksLikeMdx(markdown);
  const withoutComments = markdown.replace(/<!--[\s\S]*?(?:-->|$)/g, '');
  const lines: string[] = [];
  let fence: string | undefined;
  let exportDepth = 0;
  for (const line of withoutComments.split('\n')) {
    const fenceMatch = FENCE.exec(line);
    if (fence !== undefined) {
      lines.push(line);
      if (fenceMatch?.[1]?.startsWith(fence)) fence = undefined;
      continue;
    }
    if (fenceMatch?.[1]) {
      fence = fenceMatch[1];
      lines.push(line);
      continue;
    }
    // A multi-line `export const meta = {` runs until its braces close.
    if (exportDepth > 0) {
      exportDepth += braceBalance(line);
      continue;
    }
    if (mdx && MODULE_LINE.test(line)) {
      if (/^export\b/.test(line)) exportDepth = Math.max(0, braceBalance(line));
      continue;
    }
    const admonition = ADMONITION.exec(line);
    if (admonition) {
      // The title is what a reader sees above the box; the kind ("tip") is only its colour.
      const title = (admonition[2] ?? admonition[3] ?? '').trim();
      lines.push('', ...(title ? [title, ''] : []));
      continue;
    }
    lines.push(mdx ? line.replace(COMPONENT_TAG, ' ').replace(EXPRESSION, ' ') : line);
  }
  return lines.join('\n');
}

function braceBalance(line: string): number {
  return (line.match(/[{[(]/g)?.length ?? 0) - (line.match(/[}\])]/g)?.length ?? 0);
}
