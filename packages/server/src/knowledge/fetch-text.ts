/**
 * One page fetched for ingestion: as text, within a time limit that covers the body too, and a
 * size limit past which the rest is never downloaded. Failures are reasons, not exceptions, so a
 * dead page in a sitemap is reported and the run goes on.
 */

import { OutboundRefusedError } from '../outbound/outbound-policy.ts';

/**
 * A page as text with its final URL (after redirects, without `#fragment`), or why it failed;
 * `refused` when the outbound policy would not call the address (`outbound/outbound-policy.ts`).
 */
export type Fetched =
  | { ok: true; url: string; contentType: string; body: string }
  | { ok: false; reason: string; refused?: true };

/** The fetch to use and its limits. */
export interface FetchLimits {
  /** A guarded fetch (`outbound/guarded-fetch.ts`) for anything a tenant or an operator names. */
  fetch: typeof fetch;
  timeoutMs: number;
  maxBytes: number;
}

/** GETs a URL as text within the time and size limits; never throws. */
export async function fetchText(url: string, settings: FetchLimits): Promise<Fetched> {
  try {
    // The signal covers the body too: a server that sends headers and then stalls still times out.
    const response = await settings.fetch(url, {
      signal: AbortSignal.timeout(settings.timeoutMs),
      redirect: 'follow',
      headers: {
        accept: 'text/html, text/markdown, text/plain;q=0.9, application/xml;q=0.8, */*;q=0.1',
        'user-agent': 'MIPTech-Knowledge-Ingest/1.0',
      },
    });
    if (!response.ok) {
      await response.body?.cancel();
      return { ok: false, reason: `HTTP ${response.status} ${response.statusText}`.trim() };
    }
    const bytes = await readCapped(response, settings.maxBytes);
    if (!bytes) return { ok: false, reason: tooLarge(settings.maxBytes) };
    const contentType = response.headers.get('content-type') ?? '';
    const finalUrl = new URL(response.url || url);
    finalUrl.hash = '';
    return {
      ok: true,
      url: finalUrl.href,
      contentType: contentType.split(';')[0]?.trim().toLowerCase() ?? '',
      body: decodeBody(bytes, contentType),
    };
  } catch (error) {
    if (error instanceof OutboundRefusedError) return { ok: false, reason: error.message, refused: true };
    return { ok: false, reason: describeFetchError(error, settings.timeoutMs) };
  }
}

/** The body, or undefined as soon as it passes `maxBytes` (the rest is never downloaded). */
async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array | undefined> {
  if (Number(response.headers.get('content-length') ?? '0') > maxBytes) {
    await response.body?.cancel();
    return undefined;
  }
  if (!response.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    // Leaving the loop cancels the stream, and with it the download.
    if (total > maxBytes) return undefined;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function decodeBody(bytes: Uint8Array, contentType: string): string {
  const charset = /charset\s*=\s*"?([\w-]+)/i.exec(contentType)?.[1] ?? 'utf-8';
  try {
    return new TextDecoder(charset).decode(bytes);
  } catch {
    return new TextDecoder('utf-8').decode(bytes);
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const failure = error as Error & { cause?: { code?: string; message?: string } };
  if (failure.name === 'TimeoutError' || failure.name === 'AbortError') {
    return `timed out after ${timeoutMs / 1000} s`;
  }
  return failure.cause?.code ?? failure.cause?.message ?? failure.message;
}

/** The reason given for a page or file over the size limit. */
export function tooLarge(maxBytes: number): string {
  return `larger than ${maxBytes / 1_000_000} MB`;
}
