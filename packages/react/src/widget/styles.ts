/**
 * The widget's stylesheet, adopted by its own shadow root: nothing leaks out, and `:host { all:
 * initial }` stops the page's inherited styles leaking in. Colours are custom properties on
 * `:host`, set per widget from `primaryColor`; themes switch them. Constructable stylesheets are
 * not inline styles, so a page with a strict CSP (no `unsafe-inline`) still styles the widget.
 */
export const WIDGET_CSS = `
:host { --mt-bg: #ffffff; --mt-surface: #f3f4f6; --mt-text: #111827; --mt-muted: #4b5563; --mt-border: #d1d5db;
  --mt-bubble: #ffffff; --mt-error: #b91c1c; --mt-focus: #1d4ed8; }
/* The page's CSS reaches the host element but not in here: .root resets what it inherits. The
   host's position is set inline, !important, by shadow-host.tsx, where page rules cannot win. */
.root { all: initial; display: flex; flex-direction: column; align-items: flex-end; gap: 12px;
  font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  color: var(--mt-text); -webkit-text-size-adjust: 100%; }
.root[data-side="left"] { align-items: flex-start; }
.root[data-fullscreen="true"] { width: 100%; height: 100%; }
:host([data-theme="dark"]) { --mt-bg: #111827; --mt-surface: #1f2937; --mt-text: #f9fafb; --mt-muted: #d1d5db;
  --mt-border: #4b5563; --mt-bubble: #273244; --mt-error: #fca5a5; --mt-focus: #93c5fd; }
@media (prefers-color-scheme: dark) {
  :host([data-theme="auto"]) { --mt-bg: #111827; --mt-surface: #1f2937; --mt-text: #f9fafb; --mt-muted: #d1d5db;
    --mt-border: #4b5563; --mt-bubble: #273244; --mt-error: #fca5a5; --mt-focus: #93c5fd; }
}
*, *::before, *::after { box-sizing: border-box; }
button, textarea { font: inherit; color: inherit; }
:focus-visible { outline: 3px solid var(--mt-focus); outline-offset: 2px; }
.launcher { pointer-events: auto; position: relative; display: flex; align-items: center; justify-content: center;
  width: 60px; height: 60px; border: 0; border-radius: 50%; cursor: pointer; background: var(--mt-primary);
  color: var(--mt-on-primary); box-shadow: 0 6px 20px rgba(0,0,0,.25); }
.launcher svg { width: 28px; height: 28px; }
.dot { position: absolute; top: 3px; right: 3px; width: 13px; height: 13px; border-radius: 50%;
  border: 2px solid var(--mt-bg); background: #9ca3af; }
.dot[data-state="open"] { background: #16a34a; }
.dot[data-state="connecting"], .dot[data-state="reconnecting"] { background: #d97706; }
.dot[data-state="offline"], .dot[data-state="closed"] { background: #dc2626; }
.badge { position: absolute; top: -4px; left: -4px; min-width: 22px; height: 22px; padding: 0 6px; border-radius: 11px;
  background: #dc2626; color: #fff; font-size: 12px; font-weight: 700; line-height: 22px; text-align: center; }
.panel { pointer-events: auto; display: flex; flex-direction: column; width: 380px; height: min(620px, calc(100vh - 40px));
  background: var(--mt-bg); color: var(--mt-text); border: 1px solid var(--mt-border); border-radius: 16px;
  overflow: hidden; box-shadow: 0 12px 40px rgba(0,0,0,.28); }
.panel[data-minimised="true"] { height: auto; }
header { display: flex; align-items: center; gap: 10px; padding: 12px 12px 12px 16px;
  background: var(--mt-primary); color: var(--mt-on-primary); }
header .avatar { width: 32px; height: 32px; border-radius: 50%; object-fit: cover; }
header .titles { flex: 1; min-width: 0; }
header h2 { margin: 0; font-size: 16px; font-weight: 700; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
header .state { font-size: 13px; opacity: .95; }
.icon-button { display: inline-flex; align-items: center; justify-content: center; width: 36px; height: 36px;
  border: 0; border-radius: 8px; background: transparent; color: inherit; cursor: pointer; }
.icon-button:hover { background: rgba(127,127,127,.2); }
.icon-button svg { width: 20px; height: 20px; }
.banner { padding: 8px 16px; font-size: 14px; background: #fef3c7; color: #78350f; }
.log { flex: 1; overflow-y: auto; padding: 16px; background: var(--mt-surface); overscroll-behavior: contain; }
.row { display: flex; margin: 0 0 12px; }
.row.user { justify-content: flex-end; }
.bubble { max-width: 85%; padding: 10px 14px; border-radius: 16px; background: var(--mt-bubble);
  border: 1px solid var(--mt-border); overflow-wrap: anywhere; }
.row.user .bubble { background: var(--mt-primary); color: var(--mt-on-primary); border-color: transparent;
  border-bottom-right-radius: 4px; }
.row.assistant .bubble, .row.human .bubble { border-bottom-left-radius: 4px; }
.author { display: block; font-size: 12px; font-weight: 700; color: var(--mt-muted); margin-bottom: 2px; }
.bubble p { margin: 0 0 8px; } .bubble p:last-child { margin-bottom: 0; }
.bubble ul, .bubble ol { margin: 4px 0 8px; padding-left: 22px; }
.bubble code { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 13px; }
.bubble a { color: inherit; text-decoration: underline; }
.meta { margin-top: 4px; font-size: 12px; display: flex; gap: 8px; align-items: center; justify-content: flex-end; }
.meta.failed { color: var(--mt-error); opacity: 1; }
.row.user .meta.failed { color: var(--mt-on-primary); font-weight: 700; }
.link-button { border: 0; padding: 0; background: none; text-decoration: underline; cursor: pointer; font-weight: 700; }
.sources { margin: 8px 0 0; padding: 8px 0 0; border-top: 1px solid var(--mt-border); font-size: 13px; list-style: none; }
.sources li { margin: 2px 0; }
.notice { margin: 4px auto 12px; max-width: 90%; text-align: center; font-size: 13px; color: var(--mt-muted); }
.typing { display: inline-flex; gap: 4px; padding: 12px 14px; }
.typing span { width: 8px; height: 8px; border-radius: 50%; background: var(--mt-muted); animation: mt-blink 1.2s infinite; }
.typing span:nth-child(2) { animation-delay: .2s; } .typing span:nth-child(3) { animation-delay: .4s; }
@keyframes mt-blink { 0%, 80%, 100% { opacity: .3 } 40% { opacity: 1 } }
@media (prefers-reduced-motion: reduce) { .typing span { animation: none; } }
.actions { display: flex; justify-content: center; padding: 6px 12px 0; background: var(--mt-bg); }
.secondary { border: 1px solid var(--mt-border); border-radius: 999px; padding: 4px 12px; background: var(--mt-bg);
  font-size: 13px; cursor: pointer; }
form { display: flex; gap: 8px; align-items: flex-end; padding: 10px 12px 12px; background: var(--mt-bg);
  border-top: 1px solid var(--mt-border); }
textarea { flex: 1; resize: none; max-height: 140px; min-height: 44px; padding: 10px 12px; border-radius: 12px;
  border: 1px solid var(--mt-border); background: var(--mt-bg); font-size: 16px; }
.send { width: 44px; height: 44px; border: 0; border-radius: 12px; background: var(--mt-primary);
  color: var(--mt-on-primary); cursor: pointer; display: inline-flex; align-items: center; justify-content: center; }
.send:disabled { opacity: .5; cursor: not-allowed; }
.send svg { width: 20px; height: 20px; }
.counter { padding: 0 14px 8px; font-size: 12px; text-align: right; color: var(--mt-muted); background: var(--mt-bg); }
.counter[data-over="true"] { color: var(--mt-error); font-weight: 700; }
.visually-hidden { position: absolute; width: 1px; height: 1px; margin: -1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
.root[data-fullscreen="true"] .panel { width: 100%; height: var(--mt-viewport-height, 100dvh); border-radius: 0; border: 0; }
`;
