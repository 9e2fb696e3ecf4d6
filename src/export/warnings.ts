// What an export could not carry over: each entry names the option and what was done instead,
// so nothing is dropped silently. The CLI prints them on stderr.

export interface ExportWarning {
  /** The option as a user writes it: `processes.web.restart_mode`, `console_command`. */
  key: string;
  message: string;
}

export class ExportWarnings {
  readonly #entries: ExportWarning[] = [];

  add(key: string, message: string): void {
    if (!this.#entries.some((entry) => entry.key === key && entry.message === message)) this.#entries.push({ key, message });
  }

  /** A process option's key as it appears in Procfile.options. */
  addForProcess(process: string, option: string, message: string): void {
    this.add(`processes.${process}.${option}`, message);
  }

  list(): readonly ExportWarning[] {
    return this.#entries;
  }
}
