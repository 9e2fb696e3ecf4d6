// Process selectors `NAME` and `NAME.N` (as in Procodile): a trailing `.digits` names one instance,
// so `app4.25.new` is a plain name and `app4.25` is instance 25 of `app4`.

export interface Selector {
  name: string;
  instance?: number;
}

export function parseSelector(text: string): Selector {
  const match = /^(.+)\.(\d+)$/.exec(text);
  if (match?.[1] !== undefined && match[2] !== undefined) return { name: match[1], instance: Number(match[2]) };
  return { name: text };
}

export function matchesSelector(selectors: Selector[], processName: string, instanceId: number): boolean {
  return selectors.some((s) => s.name === processName && (s.instance === undefined || s.instance === instanceId));
}
