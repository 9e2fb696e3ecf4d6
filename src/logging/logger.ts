// The supervisor's own voice: system, control and per-instance event lines, written to one
// sink (the terminal in the foreground, the supervisor log file as a daemon).
import type { Colors } from './colors.js';
import type { LogColor } from '../config/types.js';
import { formatLines } from './log-line.js';

export interface LogSink {
  write(text: string): void;
}

export interface Logger {
  log(source: string, message: string, color?: LogColor): void;
}

export function createLogger(sink: LogSink, colors: Colors): Logger {
  return {
    log(source, message, color) {
      sink.write(formatLines(source, message, new Date(), { colors, color }));
    },
  };
}

/** A logger that drops everything (library use and tests). */
export const silentLogger: Logger = { log: () => undefined };
