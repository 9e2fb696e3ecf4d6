// Processes whose command reads $PORT but that procodile gives no PORT: they would start with
// an empty PORT and most likely crash-loop, so `check` says so before a deploy does.
import type { AppConfig } from './types.js';

const USES_PORT = /\$(PORT\b|\{PORT\})/;

export function portWarnings(app: AppConfig): string[] {
  const warnings: string[] = [];
  for (const p of app.processes) {
    if (!USES_PORT.test(p.command) || p.env.PORT !== undefined || app.env.PORT !== undefined) continue;
    if (p.allocatePortFrom !== undefined) continue;
    if (p.proxyPort !== undefined) {
      if (app.proxy !== true) {
        warnings.push(
          `processes.${p.name} uses $PORT, which it gets only while the proxy runs: set proxy: true in ${app.optionsPath} (or always start with --proxy).`,
        );
      }
      continue;
    }
    warnings.push(
      `processes.${p.name} uses $PORT but gets none: set allocate_port_from (or proxy_port) for it in ${app.optionsPath}, or start it with --ports ${p.name}=PORT.`,
    );
  }
  return warnings;
}
