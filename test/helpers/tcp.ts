// Loopback TCP for tests: a port nothing listens on yet, and what a server sends back.
import { connect, createServer } from 'node:net';

/** A port the kernel had free a moment ago (the listener is closed before it is returned). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address !== null ? address.port : 0));
    });
  });
}

/** Everything the server on `port` sends before it closes; '' when nothing listens there. */
export function readAll(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let text = '';
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', () => resolve(text));
  });
}
