/**
 * Third-party pages that embed the widget with its script tag, served from another origin than
 * the platform's: a plain one, one with hostile global CSS, one with a strict Content Security
 * Policy. As a customer's website would.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HostPages {
  origin: string;
  close(): Promise<void>;
}

const HOSTILE_CSS = `* { all: unset; } button { display: none; } div { font-size: 40px; }
  p.probe { color: rgb(200, 0, 0); }`;

function page(platformUrl: string, options: { css?: string; theme?: string } = {}): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>A customer's page</title>
${options.css ? `<link rel="stylesheet" href="/hostile.css">` : ''}</head>
<body><main><h1>A customer's page</h1><p class="probe">Page text the widget must not touch.</p>
<div class="probe-box">A box</div><button class="probe-button">Page button</button></main>
<script src="${platformUrl}/widget.js" data-tenant-id="miptech-company" data-title="MIPTech AI Assistant"${
    options.theme ? ` data-theme="${options.theme}"` : ''
  } async></script></body></html>`;
}

/** Intercom-style: a queue stub and calls made at once, before the loader has run. */
function snippetPage(platformUrl: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Snippet</title></head><body>
<script>
  window.MIPTech = window.MIPTech || function () { (MIPTech.q = MIPTech.q || []).push(arguments); };
  window.events = [];
  MIPTech('on', 'ready', function () { events.push('ready'); });
  MIPTech('on', 'open', function () { events.push('open'); });
  MIPTech('on', 'close', function () { events.push('close'); });
  MIPTech('on', 'message', function (message) { events.push('message:' + message.role); });
  MIPTech('identify', { name: 'Ada Lovelace', email: 'ada@example.com' });
</script>
<script src="${platformUrl}/widget.js" data-tenant-id="miptech-company" async></script>
</body></html>`;
}

export async function serveHostPages(platformUrl: string): Promise<HostPages> {
  const ws = platformUrl.replace(/^http/, 'ws');
  const server = createServer((request, response) => {
    const { pathname } = new URL(request.url ?? '/', 'http://localhost');
    if (pathname === '/hostile.css') {
      response.writeHead(200, { 'content-type': 'text/css' }).end(HOSTILE_CSS);
    } else if (pathname === '/plain.html' || pathname === '/dark.html') {
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(page(platformUrl, pathname === '/dark.html' ? { theme: 'dark' } : {}));
    } else if (pathname === '/snippet.html') {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(snippetPage(platformUrl));
    } else if (pathname === '/bare.html') {
      // The same page without the script tag: the baseline of the page-load check.
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(page(platformUrl).replace(/<script[\s\S]*<\/script>/, ''));
    } else if (pathname === '/hostile.html') {
      response
        .writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        .end(page(platformUrl, { css: HOSTILE_CSS }));
    } else if (pathname === '/strict-csp.html') {
      response
        .writeHead(200, {
          'content-type': 'text/html; charset=utf-8',
          // No 'unsafe-inline', no 'unsafe-eval': only the platform may run scripts, style and connect.
          'content-security-policy': `default-src 'none'; script-src 'self' ${platformUrl}; style-src 'self' ${platformUrl}; connect-src ${platformUrl} ${ws}; img-src 'self' ${platformUrl}`,
        })
        .end(page(platformUrl));
    } else {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://localhost:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
