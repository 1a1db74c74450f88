/*
 * Sets of integers (IPv4 addresses) as sorted, disjoint, non-adjacent
 * inclusive intervals. Pure functions; no I/O.
 */

/** From `first` to `last`, both included. */
export interface Interval {
  first: number;
  last: number;
}

/** Sorted, merged (overlapping or adjacent intervals joined) copy. */
export function normalize(intervals: readonly Interval[]): Interval[] {
  const sorted = intervals
    .filter(i => i.first <= i.last)
    .map(i => ({ ...i }))
    .sort((a, b) => a.first - b.first);
  const out: Interval[] = [];
  for (const i of sorted) {
    const prev = out[out.length - 1];
    if (prev && i.first <= prev.last + 1) {
      prev.last = Math.max(prev.last, i.last);
    } else {
      out.push(i);
    }
  }
  return out;
}

/** `set` without the members of `remove` (both normalised). */
export function subtract(
  set: readonly Interval[],
  remove: readonly Interval[],
): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const i of set) {
    let first = i.first;
    while (j < remove.length && remove[j].last < first) j++;
    let k = j;
    while (k < remove.length && remove[k].first <= i.last) {
      const r = remove[k];
      if (r.first > first) out.push({ first, last: r.first - 1 });
      first = Math.max(first, r.last + 1);
      k++;
    }
    if (first <= i.last) out.push({ first, last: i.last });
  }
  return out;
}

/** Members of both (both normalised). */
export function intersect(
  a: readonly Interval[],
  b: readonly Interval[],
): Interval[] {
  const out: Interval[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const first = Math.max(a[i].first, b[j].first);
    const last = Math.min(a[i].last, b[j].last);
    if (first <= last) out.push({ first, last });
    if (a[i].last < b[j].last) i++;
    else j++;
  }
  return out;
}

/** How many members. */
export function size(set: readonly Interval[]): number {
  return set.reduce((n, i) => n + (i.last - i.first + 1), 0);
}

/** Is `value` a member (binary search). */
export function contains(set: readonly Interval[], value: number): boolean {
  let lo = 0;
  let hi = set.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (value < set[mid].first) hi = mid - 1;
    else if (value > set[mid].last) lo = mid + 1;
    else return true;
  }
  return false;
}

/**
 * The lowest member of `set` not in `taken` (sorted ascending, unique), or
 * undefined when every member is taken. Linear in `taken`.
 */
export function lowestFree(
  set: readonly Interval[],
  taken: readonly number[],
): number | undefined {
  let t = 0;
  for (const i of set) {
    let cursor = i.first;
    while (t < taken.length && taken[t] < cursor) t++;
    while (t < taken.length && taken[t] === cursor && cursor <= i.last) {
      cursor++;
      t++;
    }
    if (cursor <= i.last) return cursor;
  }
  return undefined;
}
