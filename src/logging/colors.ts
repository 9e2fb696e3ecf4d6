// ANSI colours without import-time side effects. picocolors decides colour support when it is
// loaded, which makes Node build process.stdout even in the daemon, which never writes to it
// (10-15 ms of its start-up under lite mode, measured with --cpu-prof). Here the caller
// decides, once per stream.

const STYLES = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39],
  white: [37, 39],
  gray: [90, 39],
  bgRed: [41, 49],
  bgGreen: [42, 49],
  bgMagenta: [45, 49],
} as const;

export type ColorName = keyof typeof STYLES;
export type Colors = Record<ColorName, (text: string) => string>;

const plain = (text: string): string => text;

export function createColors(enabled: boolean): Colors {
  const colors = {} as Colors;
  for (const [name, [open, close]] of Object.entries(STYLES) as [ColorName, readonly [number, number]][]) {
    const start = `\x1b[${open}m`;
    const end = `\x1b[${close}m`;
    // A nested style that ends inside the text would otherwise end ours too early.
    colors[name] = enabled
      ? (text) => start + (text.includes(end) ? text.replaceAll(end, end + start) : text) + end
      : plain;
  }
  return colors;
}
