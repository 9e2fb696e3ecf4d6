// How the end of a run is put in words, the same in the supervisor log, in status and in
// issues: "exit status 3" or "killed by SIGSEGV".

export interface ExitFacts {
  status: number | null;
  signal: NodeJS.Signals | null;
}

export function describeExit(exit: ExitFacts): string {
  if (exit.signal !== null) return `killed by ${exit.signal}`;
  if (exit.status !== null) return `exit status ${exit.status}`;
  return 'ended for an unknown reason';
}

/** The ends of several runs, oldest first, with repeats counted: "exit status 1 (3 times), killed by SIGSEGV". */
export function describeExits(exits: readonly ExitFacts[]): string {
  const runs: { text: string; count: number }[] = [];
  for (const exit of exits) {
    const text = describeExit(exit);
    const last = runs.at(-1);
    if (last?.text === text) last.count += 1;
    else runs.push({ text, count: 1 });
  }
  return runs.map((run) => (run.count === 1 ? run.text : `${run.text} (${run.count} times)`)).join(', ');
}
