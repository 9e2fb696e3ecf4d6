// Unix socket paths are limited to about 107 bytes (D11). A longer one is reached through
// an open descriptor of its directory: /proc/self/fd/N/procodile.sock is short whatever the
// root's length.
import { closeSync, constants, openSync } from 'node:fs';
import { basename, dirname } from 'node:path';

/** sun_path is 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

export interface SocketAddress {
  address: string;
  release: () => void;
}

export function socketAddress(sockPath: string): SocketAddress {
  if (Buffer.byteLength(sockPath) <= MAX_SOCKET_PATH) return { address: sockPath, release: () => undefined };
  const fd = openSync(dirname(sockPath), constants.O_RDONLY | constants.O_DIRECTORY);
  return {
    address: `/proc/self/fd/${fd}/${basename(sockPath)}`,
    release: () => closeSync(fd),
  };
}
