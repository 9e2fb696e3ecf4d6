// The receiver behind the `ready: notify` check (README.md, "Zero-downtime deploys"; the
// probe itself is in readiness.ts): an instance is ready when it sends READY=1 on the unix
// datagram socket named by NOTIFY_SOCKET, as systemd's sd_notify protocol does, so
// applications that already call sd_notify() or `systemd-notify --ready` need no change.
//
// Node 20 cannot open a unix datagram socket without a native addon, so a few lines of Perl
// hold it: only modules of Debian's perl-base (Socket, strict, warnings, Errno), which is
// Essential on Debian and Ubuntu and so present wherever our deployment guide applies. The
// script is handed to `perl -e`; nothing is installed or written besides the socket.
//
// Decisions:
// - One receiver per waiting instance, not one per application: starting perl takes about
//   15 ms, which is nothing next to an application's boot, and a receiver that belongs to one
//   instance ends with its check, so nothing has to track which sockets are still wanted.
// - Each instance gets its own socket in a fresh directory of mode 0700 (mkdtemp), so only
//   processes of the supervisor's user can send, and a datagram can only come from the
//   instance's side: no credentials need checking. Instances run as the supervisor's user
//   (`user:` switches the whole supervisor), so they can reach it. The directory is made in
//   the pid directory when the socket path fits in sun_path (107 bytes), else in the temporary
//   directory. Hidden (a leading dot) so the pid directory's tidy-up leaves it alone.
// - The socket is bound before the instance is spawned: a READY=1 sent earlier would be lost.
// - The receiver writes one line per event on stdout: `bound` once the socket is listening,
//   then `datagram HEX` per datagram (hex, because a datagram may hold newlines or NULs). It
//   exits when its stdin closes, so it never outlives the supervisor even if the supervisor
//   is killed, and removes the socket and its directory on the way out.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';
import type { AppConfig } from '../config/types.js';

const SOCKET_NAME = 'notify.sock';
/** sun_path holds 108 bytes with the terminating NUL. */
const MAX_SOCKET_PATH = 107;
/** systemd reads at most this much of a notification; so do we (the rest is cut by recv). */
const MAX_DATAGRAM = 4096;
/** A line longer than a hex-encoded datagram is not the receiver's: it is dropped. */
const MAX_LINE = 2 * MAX_DATAGRAM + 64;
/** How long perl may take to bind the socket before the instance is given up on. */
const BIND_TIMEOUT_MS = 5000;
const STDERR_LIMIT = 2048;

export const RECEIVER_SCRIPT = `use strict; use warnings; use Socket;
my ($dir, $path) = @ARGV;
socket(my $sock, AF_UNIX, SOCK_DGRAM, 0) or die "cannot create a unix datagram socket: $!\\n";
bind($sock, pack_sockaddr_un($path)) or die "cannot bind $path: $!\\n";
END { if (defined $path) { unlink $path; rmdir $dir; } }
$SIG{PIPE} = 'IGNORE';
$| = 1;
print "bound\\n";
my $in = '';
vec($in, fileno(STDIN), 1) = 1;
vec($in, fileno($sock), 1) = 1;
while (1) {
  my $n = select(my $out = $in, undef, undef, undef);
  if ($n < 0) { next if $!{EINTR}; die "select: $!\\n"; }
  if (vec($out, fileno(STDIN), 1)) { exit 0 unless sysread(STDIN, my $ignored, 512); }
  if (vec($out, fileno($sock), 1)) {
    defined(recv($sock, my $datagram, ${MAX_DATAGRAM}, 0)) or die "recv: $!\\n";
    print "datagram ", unpack('H*', $datagram), "\\n" or exit 0;
  }
}
`;

export type ReceiverEvent = { kind: 'bound' } | { kind: 'datagram'; text: string };

/** Turns the receiver's stdout into events; a partial line waits for the rest. */
export class ReceiverFraming {
  #partial = '';
  #skipping = false;

  feed(chunk: string): ReceiverEvent[] {
    const lines = (this.#partial + chunk).split('\n');
    this.#partial = lines.pop() ?? '';
    const events: ReceiverEvent[] = [];
    for (const line of lines) {
      if (this.#skipping) {
        this.#skipping = false;
        continue;
      }
      const event = parseReceiverLine(line);
      if (event !== undefined) events.push(event);
    }
    if (this.#partial.length > MAX_LINE) {
      this.#partial = '';
      this.#skipping = true;
    }
    return events;
  }
}

export function parseReceiverLine(line: string): ReceiverEvent | undefined {
  if (line === 'bound') return { kind: 'bound' };
  const match = /^datagram ((?:[0-9a-f]{2})*)$/.exec(line);
  if (match === null || line.length > MAX_LINE) return undefined;
  return { kind: 'datagram', text: Buffer.from(match[1] ?? '', 'hex').toString('utf8') };
}

/** A notification is newline-separated assignments; READY=1 among them means ready. */
export function announcesReady(datagram: string): boolean {
  return datagram.split('\n').some((assignment) => assignment === 'READY=1');
}

/**
 * The perl that runs the receiver: the first on the instance's PATH (which is the
 * supervisor's unless the options set one), as the instance's own commands are found.
 */
export function findPerl(pathVariable: string | undefined): string | undefined {
  for (const dir of (pathVariable ?? '').split(delimiter).filter((entry) => isAbsolute(entry))) {
    const candidate = join(dir, 'perl');
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // Not here.
    }
  }
  return undefined;
}

export function perlMissing(pathVariable: string | undefined): string {
  return (
    `ready: notify needs perl to receive READY=1 on NOTIFY_SOCKET, and there is none on PATH (${pathVariable ?? 'unset'}): ` +
    'install perl-base (Debian, Ubuntu) or perl, add its directory to PATH, or choose another ready: check.'
  );
}

/** A fresh private directory for one socket: in `preferred` if the path fits, else in the temporary directory. */
export function createSocketDirectory(preferred: string | undefined): string {
  // mkdtemp adds six characters to the prefix.
  const fits = (base: string): boolean => Buffer.byteLength(join(base, '.notify-XXXXXX', SOCKET_NAME)) <= MAX_SOCKET_PATH;
  if (preferred !== undefined && fits(preferred)) {
    try {
      return mkdtempSync(join(preferred, '.notify-'));
    } catch {
      // Not writable or gone: the temporary directory will do.
    }
  }
  const base = tmpdir();
  if (!fits(base)) throw new Error(`the temporary directory ${base} is too deep for a unix socket path (107 bytes); set TMPDIR to a shorter one`);
  return mkdtempSync(join(base, '.notify-'));
}

/** One running receiver: its socket, whether READY=1 came, and why it stopped if it did. */
export class NotifyReceiver {
  readonly socketPath: string;
  /** Resolves once the socket is bound (undefined), or with why it could not be. */
  readonly bound: Promise<string | undefined>;
  #ready = false;
  #problem: string | undefined;
  #closed = false;
  #stderr = '';
  readonly #child: ChildProcess;
  readonly #dir: string;

  constructor(perl: string, dir: string, cwd: string) {
    this.#dir = dir;
    this.socketPath = join(dir, SOCKET_NAME);
    // An empty environment: PERL5OPT, PERL5LIB and the like must not change what the script does.
    // Its own process group, so a terminal's Ctrl-C reaches the supervisor, which ends it.
    this.#child = spawn(perl, ['-e', RECEIVER_SCRIPT, '--', dir, this.socketPath], {
      cwd,
      env: {},
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: true,
    });
    const child = this.#child;
    let settleBound: (problem: string | undefined) => void = () => undefined;
    this.bound = new Promise((resolve) => (settleBound = resolve));
    const timer = setTimeout(() => settleBound(`the NOTIFY_SOCKET receiver (perl) did not bind ${this.socketPath} within ${BIND_TIMEOUT_MS / 1000}s`), BIND_TIMEOUT_MS);
    const framing = new ReceiverFraming();
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      for (const event of framing.feed(chunk)) {
        if (event.kind === 'bound') {
          clearTimeout(timer);
          settleBound(undefined);
        } else if (announcesReady(event.text)) {
          this.#ready = true;
        }
      }
    });
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => (this.#stderr = (this.#stderr + chunk).slice(-STDERR_LIMIT)));
    // A stdin write error only means the receiver has gone; its exit says the rest.
    child.stdin?.on('error', () => undefined);
    child.once('error', (error) => {
      clearTimeout(timer);
      this.#fail(`the NOTIFY_SOCKET receiver could not run ${perl}: ${error.message}`);
      settleBound(this.#problem);
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      const how = signal === null ? `status ${code ?? '?'}` : `signal ${signal}`;
      const said = this.#stderr.trim();
      this.#fail(`the NOTIFY_SOCKET receiver (perl) exited with ${how}${said === '' ? '' : `: ${said}`}`);
      settleBound(this.#problem);
    });
  }

  get ready(): boolean {
    return this.#ready;
  }

  /** Why the check can no longer pass; undefined while the receiver runs or after close(). */
  get problem(): string | undefined {
    return this.#problem;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  #fail(problem: string): void {
    if (this.#closed || this.#problem !== undefined) return;
    this.#problem = problem;
    rmSync(this.#dir, { recursive: true, force: true });
  }

  /** Ends the receiver and removes its socket; safe to call more than once. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#child.stdin?.destroy();
    // Closing stdin would end it on its own; the kill makes sure it is gone now.
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill('SIGKILL');
    rmSync(this.#dir, { recursive: true, force: true });
  }
}

/** What `check` says about processes whose `ready: notify` could not find perl. */
export function perlWarnings(app: AppConfig, inheritedPath: string | undefined): string[] {
  const warnings: string[] = [];
  for (const p of app.processes) {
    if (p.ready?.kind !== 'notify') continue;
    const path = p.env.PATH ?? app.env.PATH ?? inheritedPath;
    if (findPerl(path) === undefined) warnings.push(`processes.${p.name}: ${perlMissing(path)}`);
  }
  return warnings;
}
