/**
 * Password hashing, verification and strength rules for user accounts.
 *
 * Hashes use argon2id at the OWASP Password Storage Cheat Sheet's first recommended configuration:
 * 19 MiB of memory, 2 passes, 1 lane. Argon2id is memory-hard, so guessing in bulk on GPUs or ASICs
 * costs far more than with bcrypt or PBKDF2, while the id variant resists both side-channel and
 * time–memory trade-off attacks. These parameters keep one hash around a few tens of milliseconds on a
 * server core, which bounds the cost of a login while keeping offline guessing expensive.
 *
 * Hashes are stored as PHC strings (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`), the format the reference
 * argon2 implementation and most libraries read and write, so parameters travel with each hash: they
 * can be raised later without invalidating old hashes, and {@link needsRehash} tells the login flow
 * when to upgrade one.
 */
import { argon2, randomBytes, timingSafeEqual } from 'node:crypto';

/** Shortest password accepted by {@link checkPasswordStrength}. */
export const MIN_PASSWORD_LENGTH = 10;

/**
 * Longest password accepted by {@link checkPasswordStrength}. Measured in UTF-16 code units, which is
 * close enough: the limit exists to bound the work spent hashing and checking attacker-supplied input,
 * not to be exact about characters, and 128 leaves ample room for passphrases.
 */
export const MAX_PASSWORD_LENGTH = 128;

interface HashParameters {
  /** Memory cost in KiB. */
  memory: number;
  /** Number of passes over memory. */
  passes: number;
  /** Number of lanes. */
  parallelism: number;
}

const CURRENT_PARAMETERS: HashParameters = { memory: 19_456, passes: 2, parallelism: 1 };
const SALT_BYTES = 16;
const TAG_BYTES = 32;
const ARGON2_VERSION = 19;

/**
 * Ceilings for parameters read back from storage. Raising the defaults later stays well inside them,
 * but a corrupted or tampered row must not make one login allocate gigabytes or spin for minutes.
 */
const PARAMETER_CEILINGS: HashParameters = { memory: 262_144, passes: 16, parallelism: 16 };
const SALT_BYTES_RANGE = { minimum: 8, maximum: 64 };
// A short stored tag would make a random guess likely to match, so anything under 16 bytes is treated
// as damage rather than honoured.
const TAG_BYTES_RANGE = { minimum: 16, maximum: 64 };

interface ParsedHash extends HashParameters {
  salt: Buffer;
  hash: Buffer;
}

/**
 * Hashes a password with argon2id at the current parameters and a fresh random salt.
 *
 * @returns A PHC string such as `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, with unpadded
 *   standard base64 as in the PHC specification.
 */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await deriveKey(password, salt, CURRENT_PARAMETERS, TAG_BYTES);
  return formatPhc({ ...CURRENT_PARAMETERS, salt, hash });
}

/**
 * Checks a password against a stored PHC string, using the parameters recorded in that string so
 * hashes made under older settings keep working.
 *
 * @returns `true` only when the password matches; `false` for a wrong password and for a stored
 *   string that cannot be parsed, so a damaged row locks the account rather than crashing the login.
 */
export async function verifyPassword(password: string, phc: string): Promise<boolean> {
  const parsed = parsePhc(phc);
  if (!parsed) return false;
  try {
    const candidate = await deriveKey(password, parsed.salt, parsed, parsed.hash.length);
    return timingSafeEqual(candidate, parsed.hash);
  } catch {
    return false;
  }
}

/**
 * Tells whether a stored hash was made with weaker settings than the current ones, so the login flow
 * can re-hash the password while it has it in plain text. Unreadable strings count as needing it.
 */
export function needsRehash(phc: string): boolean {
  const parsed = parsePhc(phc);
  if (!parsed) return true;
  return (
    parsed.memory < CURRENT_PARAMETERS.memory ||
    parsed.passes < CURRENT_PARAMETERS.passes ||
    parsed.parallelism < CURRENT_PARAMETERS.parallelism ||
    parsed.salt.length < SALT_BYTES ||
    parsed.hash.length < TAG_BYTES
  );
}

// Built from the current parameters rather than pasted in, so it can never drift from them. The salt
// and tag are arbitrary: nothing is meant to match, only to cost the same as a real check.
const DUMMY_PHC = formatPhc({
  ...CURRENT_PARAMETERS,
  salt: Buffer.alloc(SALT_BYTES, 0x5a),
  hash: Buffer.alloc(TAG_BYTES, 0xa5),
});

/**
 * Spends the same work as a verification against a current-parameter hash and discards the result.
 * Call it when a login names an unknown account, so the response takes as long as a wrong password
 * and timing does not reveal which email addresses are registered.
 */
export async function burnPasswordCheck(password: string): Promise<void> {
  await verifyPassword(password, DUMMY_PHC);
}

/** Who the password belongs to, so it can be rejected for containing their own details. */
export interface PasswordContext {
  email?: string;
  name?: string;
}

// Keyboard rows and the alphabet, for catching walks along them. Digits end in 0 as on a keyboard,
// which is why a plain "each character is one more than the last" test is not enough.
const SEQUENCES = ['1234567890', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm', 'abcdefghijklmnopqrstuvwxyz'];

// The most common passwords that pass the length rule, from public breach corpora. Deliberately small:
// it catches the guesses every attacker tries first without shipping a large word list.
const COMMON_PASSWORDS = new Set([
  'password123',
  'password1234',
  'password12345',
  'password1!',
  'passw0rd123',
  'p@ssw0rd123',
  'passwordpassword',
  'qwerty12345',
  'qwerty123456',
  'qwerty123!',
  '1q2w3e4r5t',
  '1qaz2wsx3edc',
  'iloveyou123',
  'iloveyou12',
  'letmein1234',
  'letmein123',
  'welcome123',
  'welcome1234',
  'changeme123',
  'admin12345',
  'administrator',
  'abc1234567',
  'abcd123456',
  '123456789a',
  '12345678910',
  'football123',
  'baseball123',
  'monkey12345',
  'dragon12345',
  'sunshine123',
  'princess123',
  'superman123',
  'starwars123',
  'trustno1234',
]);

// Shorter names and local parts match inside too many unrelated passwords ("Al" in "always") to be
// worth rejecting.
const MINIMUM_PERSONAL_DETAIL_LENGTH = 4;

/**
 * Lists the reasons a new password is unacceptable, following NIST SP 800-63B: a length floor and
 * ceiling, and rejection of predictable choices rather than composition rules.
 *
 * @returns Human-readable problems as full sentences; empty when the password is acceptable.
 */
export function checkPasswordStrength(password: string, context: PasswordContext): string[] {
  if (password.length > MAX_PASSWORD_LENGTH) {
    // Nothing else is worth checking, and skipping the rest keeps the work on hostile input bounded.
    return [`Use at most ${MAX_PASSWORD_LENGTH} characters.`];
  }
  const problems: string[] = [];
  const lowered = password.toLowerCase();
  if (password.length < MIN_PASSWORD_LENGTH) {
    problems.push(`Use at least ${MIN_PASSWORD_LENGTH} characters.`);
  }
  if (password.length > 0 && isTrivialPattern(lowered)) {
    problems.push('Avoid repeated characters and sequences such as "aaaaaaaaaa" or "1234567890".');
  }
  if (COMMON_PASSWORDS.has(lowered)) {
    problems.push('This is one of the most commonly used passwords; choose something less predictable.');
  }
  const localPart = context.email?.split('@')[0]?.trim().toLowerCase() ?? '';
  if (localPart.length >= MINIMUM_PERSONAL_DETAIL_LENGTH && lowered.includes(localPart)) {
    problems.push('Do not include your email address in your password.');
  }
  if (containsName(lowered, context.name)) {
    problems.push('Do not include your name in your password.');
  }
  return problems;
}

function containsName(loweredPassword: string, name: string | undefined): boolean {
  const loweredName = name?.trim().toLowerCase() ?? '';
  // Each word counts too, since people tend to use just their first or last name.
  const candidates = [loweredName, ...loweredName.split(/\s+/)];
  return candidates.some(
    (candidate) => candidate.length >= MINIMUM_PERSONAL_DETAIL_LENGTH && loweredPassword.includes(candidate),
  );
}

function isTrivialPattern(loweredPassword: string): boolean {
  // Code points rather than UTF-16 units, so a run of one emoji counts as repetition.
  const characters = Array.from(loweredPassword);
  return isRepetition(characters) || isCodePointRun(characters) || isKeyboardOrAlphabetWalk(loweredPassword);
}

/**
 * "aaaaaaaaaa", "abababababab", "passwordpassword": the whole string repeats a unit too short to pass
 * the length rule on its own. Repeating adds little guessing work, so the unit has to stand by itself;
 * a long phrase said twice is as strong as the phrase and is let through.
 */
function isRepetition(characters: string[]): boolean {
  const longestPeriod = Math.min(characters.length / 2, MIN_PASSWORD_LENGTH - 1);
  for (let period = 1; period <= longestPeriod; period += 1) {
    if (characters.every((character, index) => index < period || character === characters[index - period])) {
      return true;
    }
  }
  return false;
}

/** Every character one code point above (or below) the previous, such as "abcdefghij" or "9876543210". */
function isCodePointRun(characters: string[]): boolean {
  if (characters.length < 2) return false;
  const codePoints = characters.map((character) => character.codePointAt(0) ?? 0);
  return [1, -1].some((step) =>
    codePoints.every((codePoint, index) => index === 0 || codePoint - (codePoints[index - 1] ?? 0) === step),
  );
}

/** A walk along a keyboard row or the alphabet, in either direction, possibly wrapping round. */
function isKeyboardOrAlphabetWalk(loweredPassword: string): boolean {
  return SEQUENCES.some((sequence) => {
    const wrapped = sequence.repeat(Math.ceil(loweredPassword.length / sequence.length) + 1);
    const reversed = Array.from(wrapped).reverse().join('');
    return wrapped.includes(loweredPassword) || reversed.includes(loweredPassword);
  });
}

function deriveKey(
  password: string,
  salt: Buffer,
  parameters: HashParameters,
  tagLength: number,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // NFKC so the same password typed on different systems (composed or decomposed accents, full-width
    // forms) hashes the same, as NIST SP 800-63B recommends. Hash and verify both pass through here.
    const message = password.normalize('NFKC');
    argon2('argon2id', { message, nonce: salt, tagLength, ...parameters }, (error, derivedKey) =>
      error ? reject(error) : resolve(derivedKey),
    );
  });
}

function formatPhc({ memory, passes, parallelism, salt, hash }: ParsedHash): string {
  return `$argon2id$v=${ARGON2_VERSION}$m=${memory},t=${passes},p=${parallelism}$${encodeBase64(salt)}$${encodeBase64(hash)}`;
}

const PHC_PATTERN = /^\$argon2id\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

function parsePhc(phc: string): ParsedHash | undefined {
  const match = PHC_PATTERN.exec(phc);
  if (!match) return undefined;
  const [, version, memoryText, passesText, parallelismText, saltText, hashText] = match;
  if (Number(version) !== ARGON2_VERSION) return undefined;
  const memory = parseBoundedInteger(memoryText, PARAMETER_CEILINGS.memory);
  const passes = parseBoundedInteger(passesText, PARAMETER_CEILINGS.passes);
  const parallelism = parseBoundedInteger(parallelismText, PARAMETER_CEILINGS.parallelism);
  const salt = decodeBase64(saltText);
  const hash = decodeBase64(hashText);
  if (!memory || !passes || !parallelism || !salt || !hash) return undefined;
  // Argon2 needs at least 8 KiB of memory per lane.
  if (memory < 8 * parallelism) return undefined;
  if (salt.length < SALT_BYTES_RANGE.minimum || salt.length > SALT_BYTES_RANGE.maximum) return undefined;
  if (hash.length < TAG_BYTES_RANGE.minimum || hash.length > TAG_BYTES_RANGE.maximum) return undefined;
  return { memory, passes, parallelism, salt, hash };
}

function parseBoundedInteger(text: string | undefined, ceiling: number): number | undefined {
  // Leading zeros would give two spellings of one value; the reference implementation rejects them.
  if (!text || !/^[1-9]\d{0,9}$/.test(text)) return undefined;
  const value = Number(text);
  return value <= ceiling ? value : undefined;
}

function encodeBase64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function decodeBase64(text: string | undefined): Buffer | undefined {
  if (!text) return undefined;
  // Buffer's decoder silently skips junk and ignores stray trailing bits; insisting that the bytes
  // encode back to the same text rejects anything that is not canonical unpadded base64.
  const bytes = Buffer.from(text, 'base64');
  return encodeBase64(bytes) === text ? bytes : undefined;
}
