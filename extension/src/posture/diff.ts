/** What changed between two hash maps of one tree (`path → short hash`). */
export interface FileChange {
  path: string;
  /** Short hash before, or `absent` for a new file. */
  old: string;
  /** Short hash now, or `missing` for a removed file. */
  new: string;
}

const short = (h: string) => (h.startsWith('link:') || h.startsWith('big:') ? h.slice(0, 17) : h.slice(0, 12));

/**
 * Changed files, new files (only when the old map was complete: otherwise "new" may just be past its budget)
 * and removed files (only when the current map is complete), sorted by path.
 */
export function diffHashes(
  old: Readonly<Record<string, string>>,
  cur: Readonly<Record<string, string>>,
  o: { oldComplete: boolean; curComplete: boolean },
): FileChange[] {
  const out: FileChange[] = [];
  for (const [p, h] of Object.entries(cur)) {
    const was = old[p];
    if (was === undefined) {
      if (o.oldComplete) out.push({ path: p, old: 'absent', new: short(h) });
    } else if (was !== h) out.push({ path: p, old: short(was), new: short(h) });
  }
  if (o.curComplete)
    for (const [p, h] of Object.entries(old))
      if (cur[p] === undefined) out.push({ path: p, old: short(h), new: 'missing' });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}
