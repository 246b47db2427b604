import { describe, expect, it } from 'vitest';
import { askedKinds, holdsKind, unitHoldsKind } from './fact-kinds.ts';

describe('the kind of fact a question asks for', () => {
  it.each([
    ['How long does an online store take?', ['duration']],
    ['how soon can you start', ['duration']],
    ['How much is a website?', ['price']],
    ['whats the price of a node', ['price']],
    ['is there a free plan', ['price']],
    ['How can I contact you?', ['contact', 'steps']],
    ['what is your email address', ['contact']],
    ['how do i rename my team', ['steps']],
    ['What does your process look like, step by step?', ['steps']],
    ['Which technologies do you use?', []],
    ['How much time does a launch take?', ['duration']],
  ])('%s → %j', (question, kinds) => {
    expect(askedKinds(question)).toEqual(kinds);
  });

  it('finds durations, prices and addresses in digits or words', () => {
    expect(holdsKind('It usually takes six to ten weeks.', 'duration')).toBe(true);
    expect(holdsKind('Expect 3–6 months for a first release.', 'duration')).toBe(true);
    expect(holdsKind('We take a week off in August.', 'duration')).toBe(false);
    expect(holdsKind('A website costs €8,000 to €25,000.', 'price')).toBe(true);
    expect(holdsKind('Plans start at 49 USD per month.', 'price')).toBe(true);
    expect(holdsKind('Prices depend on the scope.', 'price')).toBe(false);
    expect(holdsKind('Write to hello@acme.example.', 'contact')).toBe(true);
    expect(holdsKind('Call +49 30 555 0187.', 'contact')).toBe(true);
    expect(holdsKind('Contact us any time.', 'contact')).toBe(false);
  });

  it('finds a procedure only where there are two numbered steps', () => {
    expect(holdsKind('To reset it:\n1. Open the page.\n2. Click Reset.', 'steps')).toBe(true);
    expect(holdsKind('1. Open the page.', 'steps')).toBe(false);
    expect(holdsKind('We have 2. offices', 'steps')).toBe(false);
    expect(unitHoldsKind('2. Click Reset.', ['steps'])).toBe(true);
    expect(unitHoldsKind('Click Reset.', ['steps'])).toBe(false);
  });
});
