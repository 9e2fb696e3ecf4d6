// `host:port` listen addresses as users write them in Procfile.options (`127.0.0.1:9100`,
// `[::1]:9100`, `0.0.0.0:9100`), or a bare port, which listens on loopback only.
import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** The address, or undefined when `value` is not one. */
export function parseListenAddress(value: string | number): ListenAddress | undefined {
  const text = String(value).trim();
  const match = /^(?:(\[[0-9a-fA-F:.]+\]|[^:\s[\]]+):)?(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const port = Number(match[2]);
  if (port < 1 || port > 65535) return undefined;
  const given = match[1];
  if (given === undefined) return { host: '127.0.0.1', port };
  const host = given.startsWith('[') ? given.slice(1, -1) : given;
  if (given.startsWith('[') && isIP(host) !== 6) return undefined;
  return { host, port };
}

/** `127.0.0.1:9100`, `[::1]:9100`. */
export function formatListenAddress(address: ListenAddress): string {
  return isIP(address.host) === 6 ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}
