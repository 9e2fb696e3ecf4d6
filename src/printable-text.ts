// Text from files or sockets another user may have written, made safe to show on a terminal:
// every layer that puts such text into a message uses this one rule.

/** C0 controls, DEL and the C1 controls (U+0080-U+009F, which some terminals obey as CSI, OSC...). */
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

const CONTROLS = new RegExp(CONTROL_CHARACTERS.source, 'g');

/** Shows control characters as `\xNN` so they are seen, never obeyed, by a terminal. */
export function printable(text: string): string {
  return text.replace(CONTROLS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
