// The metrics listener keeps few connections, so a connection that sends no request, or that
// sits idle after its answer, must be let go within seconds: a local user who reconnects a
// little more often than that must not keep every slot taken.
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, describe, it } from 'node:test';
import { MetricsEndpoint } from '../../src/supervisor/metrics-endpoint.js';
import { freePort } from '../helpers/tcp.js';

/** Held for at most this long: the endpoint's limits plus its once-a-second check and slack. */
const RELEASED_WITHIN_MS = 3500;

/** How long after connecting the server closes the connection; `request` is sent first. */
function heldFor(port: number, request: string | undefined): Promise<number> {
  return new Promise((resolve, reject) => {
    const began = Date.now();
    const socket = connect(port, '127.0.0.1', () => {
      if (request !== undefined) socket.write(request);
    });
    socket.resume();
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(deadline);
      resolve(Date.now() - began);
    });
    const deadline = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the connection was still open after ${RELEASED_WITHIN_MS * 3} ms`));
    }, RELEASED_WITHIN_MS * 3);
  });
}

describe('the metrics endpoint', () => {
  const endpoint = new MetricsEndpoint({
    render: () => 'procodile_up 1\n',
    onListening: () => undefined,
    onBindFailed: (address, reason) => assert.fail(`${address}: ${reason}`),
  });
  after(() => endpoint.close());

  it('lets go of a connection that sends nothing, and of one left idle after its answer', async () => {
    const port = await freePort();
    await endpoint.sync({ host: '127.0.0.1', port });
    const [silent, idle] = await Promise.all([heldFor(port, undefined), heldFor(port, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n')]);
    assert.ok(silent < RELEASED_WITHIN_MS, `a connection that sent nothing was held ${silent} ms`);
    assert.ok(idle < RELEASED_WITHIN_MS, `a kept-alive connection was held ${idle} ms after connecting`);
  });
});
