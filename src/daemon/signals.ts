// The supervisor's own signals: INT and TERM stop everything and exit 0, HUP reloads,
// USR1 restarts everything, USR2 is ignored. Handled here once, at the edge. HUP also brings
// back a deleted control socket, the one way to reach a supervisor that lost it.
import type { Logger } from '../logging/logger.js';
import type { Supervisor } from '../supervisor/supervisor.js';

export function installSignalHandlers(
  supervisor: Supervisor,
  logger: Logger,
  onStopping: () => void,
  onHangup: () => Promise<void> = () => Promise.resolve(),
): () => void {
  let stopRequests = 0;
  const stop = (signal: NodeJS.Signals): void => {
    logger.log('system', `Supervisor received ${signal.replace(/^SIG/, '')} signal`);
    stopRequests += 1;
    if (stopRequests === 1) {
      onStopping();
      logger.log('system', 'Stopping all processes (send the signal again to kill them at once)');
      void supervisor.stopAll();
      return;
    }
    // A second Ctrl-C means "now": kill every group instead of waiting for stop_timeout.
    supervisor.killAll();
  };
  const handlers: [NodeJS.Signals, () => void][] = [
    ['SIGINT', () => stop('SIGINT')],
    ['SIGTERM', () => stop('SIGTERM')],
    [
      'SIGHUP',
      () => {
        logger.log('system', 'Supervisor received HUP signal');
        onHangup().catch((error: unknown) => logger.log('system', `Restoring the control socket failed: ${String(error)}`));
        supervisor.reload();
      },
    ],
    [
      'SIGUSR1',
      () => {
        logger.log('system', 'Supervisor received USR1 signal');
        supervisor.restart({}, () => undefined).catch((error: unknown) => logger.log('system', `Restart failed: ${String(error)}`));
      },
    ],
    ['SIGUSR2', () => logger.log('system', 'Supervisor received USR2 signal (ignored)')],
  ];
  for (const [signal, handler] of handlers) process.on(signal, handler);
  return () => {
    for (const [signal, handler] of handlers) process.off(signal, handler);
  };
}
