/**
 * The embed: the one-line script for this tenant with the chosen colour, position and theme, a
 * copy button, and a live preview: the real widget (`/widget.js` from this platform) in a
 * same-origin iframe, opened, so what is shown is exactly what visitors get, greeting included.
 */
import { useMemo, useState } from 'react';

type Position = 'bottom-right' | 'bottom-left' | 'top-right' | 'top-left';
type Theme = 'light' | 'dark' | 'auto';

const DEFAULT_COLOR = '#2563eb';

/** The script tag; options left at their default are left out, so the line stays short. */
export function embedLine(tenantId: string, choice: { color: string; position: Position; theme: Theme }) {
  const attributes = [
    `src="${location.origin}/widget.js"`,
    `data-tenant-id="${tenantId}"`,
    ...(choice.color.toLowerCase() !== DEFAULT_COLOR ? [`data-primary-color="${choice.color}"`] : []),
    ...(choice.position !== 'bottom-right' ? [`data-position="${choice.position}"`] : []),
    ...(choice.theme !== 'light' ? [`data-theme="${choice.theme}"`] : []),
  ];
  return `<script ${attributes.join(' ')} async></script>`;
}

export function EmbedSettings({ tenantId }: { tenantId: string }) {
  const [color, setColor] = useState(DEFAULT_COLOR);
  const [position, setPosition] = useState<Position>('bottom-right');
  const [theme, setTheme] = useState<Theme>('light');
  const [copied, setCopied] = useState(false);
  const line = embedLine(tenantId, { color, position, theme });
  // The preview opens at once (data-default-open) and gets a fresh document for every choice.
  const preview = useMemo(
    () =>
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Widget preview</title></head><body style="margin:0;font-family:system-ui;background:${theme === 'dark' ? '#1f2330' : '#f5f6f8'}">${line.replace(' async>', ' data-default-open="true" async>')}</body></html>`,
    [line, theme],
  );

  return (
    <section aria-labelledby="embed-title">
      <h2 id="embed-title">Embed the widget</h2>
      <div className="embed-options">
        <label>
          Colour
          <input type="color" value={color} onChange={(event) => setColor(event.target.value)} />
        </label>
        <label>
          Position
          <select value={position} onChange={(event) => setPosition(event.target.value as Position)}>
            <option value="bottom-right">Bottom right</option>
            <option value="bottom-left">Bottom left</option>
            <option value="top-right">Top right</option>
            <option value="top-left">Top left</option>
          </select>
        </label>
        <label>
          Theme
          <select value={theme} onChange={(event) => setTheme(event.target.value as Theme)}>
            <option value="light">Light</option>
            <option value="dark">Dark</option>
            <option value="auto">The visitor's system setting</option>
          </select>
        </label>
      </div>
      <p>Paste this line before the closing &lt;/body&gt; tag of every page of your site.</p>
      <pre className="embed">
        <code>{line}</code>
      </pre>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard?.writeText(line).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : 'Copy the embed line'}
      </button>
      <h3>Live preview</h3>
      <p className="hint">
        This is the real widget with your greeting: messages sent here reach your inbox like a visitor's.
      </p>
      <iframe key={preview} className="widget-preview" title="Widget preview" srcDoc={preview} />
    </section>
  );
}
