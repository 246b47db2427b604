/** How a visitor uses the chat widget in a page: by role and label, as a person would. */
import type { Locator, Page } from 'playwright-core';

/** Whether the element has focus, inside its shadow root or the document. */
export const hasFocus = (locator: Locator) =>
  locator.evaluate((element) => (element.getRootNode() as Document | ShadowRoot).activeElement === element);

export const launcher = (page: Page) => page.getByRole('button', { name: /^Open chat/ });
export const input = (page: Page, placeholder = 'How can I help you today?') =>
  page.getByRole('textbox', { name: placeholder });

/** The bubbles of finished replies (the greeting aside), in order. */
export async function replies(page: Page): Promise<string[]> {
  return page.locator('.row.assistant[data-status="complete"] .bubble').allInnerTexts();
}

/** The visitor's bubbles with their status, in order. */
export async function questions(page: Page): Promise<Array<{ text: string; status: string | null }>> {
  return page.locator('.row.user').evaluateAll((rows) =>
    rows.map((row) => ({
      // innerText, not textContent: a line break the visitor typed reads as a line break.
      // biome-ignore lint/performance/useDomNodeTextContent: the rendered text is what is asserted
      text: (row.querySelector('.bubble p') as HTMLElement | null)?.innerText ?? '',
      status: row.getAttribute('data-status'),
    })),
  );
}

/** Types a question and presses Enter. */
export async function ask(page: Page, question: string, placeholder?: string): Promise<void> {
  const box = input(page, placeholder);
  await box.fill(question);
  await box.press('Enter');
}

/** Records, on every animation frame, the length of the reply being written (to see it stream). */
export async function recordPaints(page: Page): Promise<void> {
  await page.evaluate(() => {
    const lengths: number[] = [];
    (window as unknown as { __replyLengths: number[] }).__replyLengths = lengths;
    const sample = () => {
      const root = document.querySelector('miptech-chat')?.shadowRoot;
      const rows = root?.querySelectorAll('.row.assistant[data-status]') ?? [];
      const last = rows[rows.length - 1];
      if (last?.getAttribute('data-status') === 'streaming') lengths.push(last.textContent?.length ?? 0);
      requestAnimationFrame(sample);
    };
    requestAnimationFrame(sample);
  });
}

export const paintedLengths = (page: Page) =>
  page.evaluate(() => (window as unknown as { __replyLengths: number[] }).__replyLengths);
