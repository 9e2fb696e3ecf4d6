// Formats the supervisor's log lines: `HH:MM:SS name | message`, one prefix per line.
import type { Colors } from './colors.js';
import type { LogColor } from '../config/types.js';

export const NAME_WIDTH = 18;

function twoDigits(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}

export function clockTime(date: Date): string {
  return `${twoDigits(date.getHours())}:${twoDigits(date.getMinutes())}:${twoDigits(date.getSeconds())}`;
}

export interface LineStyle {
  colors: Colors;
  color?: LogColor;
}

/** The coloured prefix for one source at one moment, computed once per batch of lines. */
export function linePrefix(name: string, date: Date, style: LineStyle): string {
  const plain = `${clockTime(date)} ${name.padEnd(NAME_WIDTH)} | `;
  return style.color === undefined ? plain : style.colors[style.color](plain);
}

export function formatLines(name: string, message: string, date: Date, style: LineStyle): string {
  const prefix = linePrefix(name, date, style);
  let out = '';
  for (const line of message.split('\n')) out += `${prefix}${line}\n`;
  return out;
}
