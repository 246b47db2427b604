import { argon2, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  burnPasswordCheck,
  checkPasswordStrength,
  hashPassword,
  MAX_PASSWORD_LENGTH,
  MIN_PASSWORD_LENGTH,
  needsRehash,
  verifyPassword,
} from './passwords.ts';

const PASSWORD = 'correct horse battery staple 42';
// One shared hash keeps the suite fast; each argon2 run at production parameters costs tens of ms.
const storedHash = hashPassword(PASSWORD);

function unpaddedBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function argon2idDirect(password: string, salt: Buffer, memory: number, passes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    argon2(
      'argon2id',
      { message: password, nonce: salt, parallelism: 1, tagLength: 32, memory, passes },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

describe('hashPassword', () => {
  it('produces a PHC string with the OWASP parameters, a 16-byte salt and a 32-byte tag', async () => {
    const phc = await storedHash;
    const match = /^\$argon2id\$v=19\$m=19456,t=2,p=1\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(phc);
    expect(match).not.toBeNull();
    expect(Buffer.from(match?.[1] ?? '', 'base64')).toHaveLength(16);
    expect(Buffer.from(match?.[2] ?? '', 'base64')).toHaveLength(32);
  });

  it('salts each hash differently', async () => {
    const [first, second] = await Promise.all([hashPassword(PASSWORD), hashPassword(PASSWORD)]);
    expect(first).not.toBe(second);
  });
});

describe('verifyPassword', () => {
  it('accepts the right password and rejects a wrong one', async () => {
    const phc = await storedHash;
    expect(await verifyPassword(PASSWORD, phc)).toBe(true);
    expect(await verifyPassword('correct horse battery staple 43', phc)).toBe(false);
    expect(await verifyPassword('', phc)).toBe(false);
  });

  it('reads the reference implementation’s output', async () => {
    // `echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1` from the reference argon2 CLI.
    const reference =
      '$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc';
    expect(await verifyPassword('password', reference)).toBe(true);
    expect(await verifyPassword('Password', reference)).toBe(false);
  });

  it('honours the parameters recorded in the PHC string', async () => {
    const salt = randomBytes(16);
    const hash = await argon2idDirect(PASSWORD, salt, 8192, 1);
    const weaker = `$argon2id$v=19$m=8192,t=1,p=1$${unpaddedBase64(salt)}$${unpaddedBase64(hash)}`;
    expect(await verifyPassword(PASSWORD, weaker)).toBe(true);
    expect(await verifyPassword('wrong password here', weaker)).toBe(false);
    // The same salt and tag under different parameters must not verify.
    expect(await verifyPassword(PASSWORD, weaker.replace('t=1', 't=2'))).toBe(false);
  });

  it('handles unicode passwords, treating equivalent normal forms alike', async () => {
    const password = 'pässwörd 🔐 日本語のパスワード';
    const phc = await hashPassword(password);
    expect(await verifyPassword(password, phc)).toBe(true);
    expect(await verifyPassword(password.normalize('NFD'), phc)).toBe(true);
    expect(await verifyPassword('passwörd 🔐 日本語のパスワード', phc)).toBe(false);
  });

  it('returns false for malformed PHC strings without throwing', async () => {
    const phc = await storedHash;
    const [, , version, parameters, salt, hash] = phc.split('$');
    const malformed = [
      '',
      'not a hash',
      phc.replace('$argon2id$', '$argon2i$'),
      phc.replace('$argon2id$', '$bcrypt$'),
      phc.replace('v=19', 'v=16'),
      phc.slice(0, -10),
      phc.slice(0, phc.lastIndexOf('$')),
      `$argon2id$${version}$${parameters}$${salt}$${hash}$extra`,
      `$argon2id$${version}$${parameters}$${salt}$!!!notbase64!!!`,
      `$argon2id$${version}$${parameters}$${salt}$${hash}==`,
      `$argon2id$${version}$${parameters}$${salt}$${hash?.slice(0, -1)}`,
      `$argon2id$${version}$${parameters}$$${hash}`,
      `$argon2id$${version}$m=019456,t=2,p=1$${salt}$${hash}`,
      `$argon2id$${version}$m=0,t=2,p=1$${salt}$${hash}`,
      `$argon2id$${version}$m=19456,t=0,p=1$${salt}$${hash}`,
      `$argon2id$${version}$t=2,m=19456,p=1$${salt}$${hash}`,
      // Absurd costs would exhaust the server if honoured.
      `$argon2id$${version}$m=4294967295,t=2,p=1$${salt}$${hash}`,
      `$argon2id$${version}$m=19456,t=100000,p=1$${salt}$${hash}`,
      // A short tag would make random guesses likely to match.
      `$argon2id$${version}$${parameters}$${salt}$${unpaddedBase64(Buffer.alloc(4))}`,
    ];
    for (const candidate of malformed) {
      await expect(verifyPassword(PASSWORD, candidate), candidate).resolves.toBe(false);
    }
  });
});

describe('needsRehash', () => {
  it('is false for a hash at the current parameters', async () => {
    expect(needsRehash(await storedHash)).toBe(false);
  });

  it('is true when any stored parameter is below the current one, or the string is unreadable', async () => {
    const phc = await storedHash;
    expect(needsRehash(phc.replace('m=19456,t=2', 'm=8192,t=1'))).toBe(true);
    expect(needsRehash(phc.replace('m=19456', 'm=8192'))).toBe(true);
    expect(needsRehash(phc.replace('t=2', 't=1'))).toBe(true);
    expect(needsRehash(phc.replace('m=19456', 'm=65536'))).toBe(false);
    expect(needsRehash('garbage')).toBe(true);
  });
});

describe('burnPasswordCheck', () => {
  it('resolves without a result', async () => {
    await expect(burnPasswordCheck('anything at all')).resolves.toBeUndefined();
  });
});

describe('checkPasswordStrength', () => {
  it('accepts a good passphrase', () => {
    expect(checkPasswordStrength(PASSWORD, { email: 'ada@example.com', name: 'Ada Lovelace' })).toEqual([]);
    // A phrase long enough on its own stays acceptable when repeated.
    expect(checkPasswordStrength('Tr0ub4dor&Tr0ub4dor&', {})).toEqual([]);
  });

  it('exports the length limits', () => {
    expect(MIN_PASSWORD_LENGTH).toBe(10);
    expect(MAX_PASSWORD_LENGTH).toBe(128);
  });

  it('requires at least the minimum length', () => {
    expect(checkPasswordStrength('Tr0ub4dor', {})).toEqual(['Use at least 10 characters.']);
    expect(checkPasswordStrength('Tr0ub4dor&', {})).toEqual([]);
  });

  it('caps the length', () => {
    const longest = 'the quick brown fox jumps over the lazy dog '.repeat(3).slice(0, MAX_PASSWORD_LENGTH);
    expect(checkPasswordStrength(longest, {})).toEqual([]);
    expect(checkPasswordStrength(`${longest}x`, {})).toEqual(['Use at most 128 characters.']);
  });

  it.each([
    'aaaaaaaaaa',
    'AAAAAAAAAAAA',
    '🔐🔐🔐🔐🔐🔐🔐🔐🔐🔐',
    'abababababab',
    'abcabcabcabc',
    'hunter2hunter2',
    '1234567890',
    '0987654321',
    '12345678901234',
    'abcdefghij',
    'ZYXWVUTSRQPON',
    'qwertyuiop',
    'QwErTyUiOp',
    'asdfghjkla',
  ])('rejects the trivial pattern %j', (password) => {
    const problems = checkPasswordStrength(password, {});
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/repeated characters and sequences/);
  });

  it.each(['password123', 'PASSWORD123', 'qwerty12345', 'iloveyou123', 'LetMeIn1234', 'welcome123'])(
    'rejects the common password %j',
    (password) => {
      expect(checkPasswordStrength(password, {})).toEqual([
        'This is one of the most commonly used passwords; choose something less predictable.',
      ]);
    },
  );

  it('rejects a password containing the email local part', () => {
    const context = { email: 'Margaret.Hamilton@example.com' };
    expect(checkPasswordStrength('my margaret.hamilton secret', context)).toEqual([
      'Do not include your email address in your password.',
    ]);
    // Short local parts would match too much unrelated text to be worth rejecting.
    expect(checkPasswordStrength('jo jo jo jo jazz hands', { email: 'jo@example.com' })).toEqual([]);
  });

  it('rejects a password containing the name or part of it', () => {
    const context = { name: 'Grace Hopper' };
    const expected = ['Do not include your name in your password.'];
    expect(checkPasswordStrength('GRACEHOPPER rocks!', context)).toEqual(expected);
    expect(checkPasswordStrength('xx grace hopper xx', context)).toEqual(expected);
    expect(checkPasswordStrength('hopper was here 1952', context)).toEqual(expected);
    expect(checkPasswordStrength('always a good one 7', { name: 'Al' })).toEqual([]);
  });

  it('reports every problem at once', () => {
    expect(checkPasswordStrength('aaaa', { name: 'aaaa' })).toEqual([
      'Use at least 10 characters.',
      'Avoid repeated characters and sequences such as "aaaaaaaaaa" or "1234567890".',
      'Do not include your name in your password.',
    ]);
  });
});
