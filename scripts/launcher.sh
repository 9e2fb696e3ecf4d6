#!/bin/sh
# The `procodile` command (copied to dist/procodile by scripts/build.mjs): runs the CLI,
# dist/procodile.cjs, under Node.
#
# A background `start` needs two Node processes, the command and the supervisor it leaves
# behind, and a Node start-up is most of what a small start costs. So, when the words look
# like such a start, the supervisor is launched here at the same moment as the command and
# the two start-ups overlap (README.md, "Performance"). That supervisor does nothing until
# the command, having checked everything as before, hands it the pid directory's lock
# (src/daemon/early-daemon.ts); in every other case it exits on its own, having touched
# nothing of the application. The guess only has to be cheap: a wrong "yes" costs one idle
# start-up, a wrong "no" the old sequential start.
self=$0
# Run as `sh procodile` there is no directory in $0: the file is here, or found on PATH.
case $self in
  */*) ;;
  *) if [ -f "$self" ]; then self=./$self; else self=$(command -v -- "$self") || self=$0; fi ;;
esac
if [ -L "$self" ]; then self=$(readlink -f -- "$self") || self=$0; fi
cli=${self%/*}/procodile.cjs

early=
for word in "$@"; do
  case $word in
    --) break ;;
    --foreground | --dev | --help | --version | --no-supervisor) early= && break ;;
    -[!-]*) case $word in *[fdhv]*) early= && break ;; esac ;;
    start) early=yes ;;
  esac
done

# setsid gives the supervisor its own session, as a supervisor launched by the command gets:
# the terminal's signals must never reach it. Without setsid there is no early launch.
if [ -n "$early" ] && command -v setsid >/dev/null 2>&1; then
  # The node flags are the supervisor's own (src/daemon/daemonize.ts, DAEMON_NODE_FLAGS).
  PROCODILE_DAEMON_CHILD=1 PROCODILE_EARLY_PARENT=$$ setsid node --lite-mode --max-semi-space-size=1 --no-expose-wasm -- "$cli" "$@" </dev/null >/dev/null 2>&1 &
  PROCODILE_EARLY_DAEMON=$!
  export PROCODILE_EARLY_DAEMON
fi
exec node -- "$cli" "$@"
