/** Every rate limit is configuration: one environment variable each, documented, validated. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_RATE_LIMITS, loadConfig, RATE_LIMIT_VARIABLES } from './config.ts';

describe('rate limits from the environment', () => {
  it('name every limit exactly once', () => {
    expect(new Set(Object.values(RATE_LIMIT_VARIABLES))).toEqual(new Set(Object.keys(DEFAULT_RATE_LIMITS)));
    expect(Object.values(RATE_LIMIT_VARIABLES)).toHaveLength(Object.keys(DEFAULT_RATE_LIMITS).length);
  });

  it('default to DEFAULT_RATE_LIMITS', () => {
    expect(loadConfig({}).rateLimits).toEqual(DEFAULT_RATE_LIMITS);
  });

  it('take each variable as an override of its own limit only', () => {
    for (const [variable, key] of Object.entries(RATE_LIMIT_VARIABLES)) {
      const limits = loadConfig({ [variable]: '123457' }).rateLimits;
      expect(limits).toEqual({ ...DEFAULT_RATE_LIMITS, [key]: 123457 });
    }
  });

  it('refuse values that are not positive integers, naming the variable', () => {
    expect(() => loadConfig({ RATE_LIMIT_MESSAGES_PER_IP_PER_MINUTE: '0' })).toThrow(
      /RATE_LIMIT_MESSAGES_PER_IP_PER_MINUTE/,
    );
    expect(() => loadConfig({ RATE_LIMIT_TENANT_PER_MINUTE: '1.5' })).toThrow(/RATE_LIMIT_TENANT_PER_MINUTE/);
  });

  it('are all in the README configuration table', () => {
    const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
    for (const variable of Object.keys(RATE_LIMIT_VARIABLES)) expect(readme).toContain(`| \`${variable}\` |`);
  });
});
