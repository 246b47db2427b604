/**
 * The text colour for a background, chosen by WCAG contrast: white or near-black, whichever
 * contrasts more. So a tenant's `primaryColor` (yellow, say) never leaves white text unreadable.
 */
function luminance(hex: string): number | undefined {
  const match = /^#?([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(hex.trim());
  if (!match?.[1]) return undefined;
  const digits = match[1].length === 3 ? [...match[1]].map((digit) => digit + digit).join('') : match[1];
  const [r, g, b] = [0, 2, 4].map((at) => {
    const channel = Number.parseInt(digits.slice(at, at + 2), 16) / 255;
    return channel <= 0.04045 ? channel / 12.92 : ((channel + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const contrast = (a: number, b: number) => (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);

/** `#ffffff` or `#111827` on `background` (a `#rgb` or `#rrggbb` colour); white when unparsable. */
export function textColorOn(background: string): string {
  const value = luminance(background);
  if (value === undefined) return '#ffffff';
  const dark = luminance('#111827') ?? 0;
  return contrast(value, 1) >= contrast(value, dark) ? '#ffffff' : '#111827';
}
