import { describe, expect, it } from 'vitest';
import { helpCenter } from '../testing/help-center.ts';

const LONG_ITEM = `- ${'A very long condition that goes on and on about the importer. '.repeat(12)}`;

/** A small company site and help center written for this test. */
const PAGES: Record<string, string> = {
  'contact.md': `# Contact Acme\n\nYou can reach Acme by email, phone, or at our office.\n\n## Email and phone\n\n- Sales: sales@acme.example\n- Phone: +351 21 555 0100`,
  'services.md': `# Services\n\n## Web development\n\nWe build company websites, web applications and online stores with React and Node.js.`,
  'faq.md': `# FAQ\n\n## How long does a website take?\n\nEvery website starts with a workshop about goals. A marketing website usually takes six to ten weeks from the workshop to launch.`,
  'teams.md': `# Teams\n\n## Rename a team\n\nTeams can be renamed by their owner.\n\n1. Open the Team Menu.\n2. Click Settings.\n3. Type the new team name in the Name field.\n4. Click Save.\n\nThe new name shows everywhere at once.`,
  'plans.md': `# Plans\n\n## Node types\n\nNodes come in several sizes for every workload.\n\n| Node type | Requests per second |\n| --- | --- |\n| General purpose node | 50 requests per second |\n\n\`\`\`js\nawait client.nodes.scale({ type: 'general purpose node', count: 2 });\n\`\`\`\n\nA general purpose node suits most production workloads.`,
  'backups.md': `# Backups\n\n## Nightly backups\n\nNightly backups of every project are kept for seven days.`,
  'restore.md': `# Restoring backups\n\nThe support team restores a project from its nightly backups, which are kept for seven days.`,
  'importer.md': `# Importer\n\n## When to use the importer\n\nUse the bulk importer when:\n\n${LONG_ITEM}\n${LONG_ITEM}`,
};

describe('how the built-in responder composes an answer', () => {
  const reply = helpCenter('compose', PAGES);

  it('answers "how can I contact you?" with the addresses, not the sentence that there are some', async () => {
    const answer = await reply('How can I contact you?');
    expect(answer.text).toContain('sales@acme.example');
    expect(answer.text).toContain('+351 21 555 0100');
  });

  it('answers "how long" with the sentence that holds a duration', async () => {
    const answer = await reply('How long does a website take?');
    expect(answer.text).toContain('six to ten weeks');
  });

  it('quotes a procedure whole and in order when asked how to do something', async () => {
    // Only step 3 holds the question's words; step 1, 2 and 4 are still needed to do it.
    const answer = await reply('how do i change the name of my team');
    const steps = [
      '1. Open the Team Menu.',
      '2. Click Settings.',
      '3. Type the new team name',
      '4. Click Save.',
    ];
    for (const step of steps) expect(answer.text).toContain(step);
    const positions = steps.map((step) => answer.text.indexOf(step));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
  });

  it("never quotes table rows or code, even when they hold the question's words", async () => {
    const answer = await reply('what is a general purpose node good for');
    expect(answer.documentIds).toHaveLength(1);
    expect(answer.text).toContain('suits most production workloads');
    expect(answer.text).not.toContain(' | ');
    expect(answer.text).not.toMatch(/await|[{}]/);
  });

  it('offers a nearly as relevant page from another document as "see also"', async () => {
    // The restore page says it too, on a page about something else: worth a link, not a quote.
    const answer = await reply('how long are nightly backups kept');
    expect(answer.documentIds).toHaveLength(2);
    expect(answer.text).toMatch(/^Nightly backups of every project are kept for seven days\. \[1\]/);
    expect(answer.text).toMatch(/See also: Restoring backups \[2\]$/);
  });

  it('offers no "see also" when one page is clearly the answer', async () => {
    const answer = await reply('How long does a website take?');
    expect(answer.documentIds).toHaveLength(1);
    expect(answer.text).not.toContain('See also');
  });

  it('never ends on an introduction whose list did not fit', async () => {
    const answer = await reply('when should i use the bulk importer');
    expect(answer.documentIds).toHaveLength(1);
    expect(answer.text).not.toMatch(/:\s*(\[\d\])?\s*$/);
  });
});
