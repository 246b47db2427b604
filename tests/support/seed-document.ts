/** Reading the seed documents: the client code they contain, to check fixtures against. */

/**
 * The body of the first ```javascript (or other `language`) block after `heading`: every line
 * between the opening and the closing fence line, each with its newline.
 */
export function seedBlock(document: string, heading: string, language = 'javascript'): string {
  const headingAt = document.indexOf(heading);
  const openingFence = `\`\`\`${language}\n`;
  const start = document.indexOf(openingFence, headingAt) + openingFence.length;
  const end = document.indexOf('\n```', start) + 1;
  if (headingAt < 0 || start < openingFence.length || end <= 0) {
    throw new Error(`The block under "${heading}" is missing from the seed document`);
  }
  return document.slice(start, end);
}
