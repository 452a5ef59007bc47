// Compare two traces (CONTRACT 2, Compare; `refscope/diff`, `refscope diff`): their steps
// aligned in order by longest common subsequence on (event type, artifact kind); an aligned
// pair is `same` when its steps name the same digests, else `changed` with the JSON paths
// whose values differ between the two artifacts; unaligned steps are `onlyA` / `onlyB`. Each
// side's duration and each pair's duration difference come from the traces' timing.
import { readFileSync, statSync } from 'node:fs';
import type { DiffChange, DiffSide } from '../protocol';
import type { ComparedPair, Comparison, Trace, TracedStep } from '../index/answers';
import { align } from './align';
import { jsonChanges } from './jsonDiff';

/** Changes listed per pair; the rest are counted. */
const MAX_CHANGES = 200;
/** Artifacts larger than this are compared by digest only. */
const MAX_COMPARE_BYTES = 8 * 1024 * 1024;

/** Reads an artifact's content for comparison; undefined when it cannot be read. */
export type ContentReader = (path: string) => unknown;

export const readArtifactContent: ContentReader = (path) => {
  try {
    if (statSync(path).size > MAX_COMPARE_BYTES) return undefined;
    const text = readFileSync(path, 'utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return text;
    }
  } catch {
    return undefined;
  }
};

/** The kind of the step's first artifact: with the event type, what alignment matches on. */
function stepKey(s: TracedStep): string {
  const kind = s.kind ?? s.children?.find((c) => c.kind !== undefined)?.kind ?? '';
  return `${s.eventType ?? ''}\0${kind}`;
}

/** The refs a step names: its own and its direct children's. */
function stepRefs(s: TracedStep): (TracedStep & { ref: string })[] {
  const own = s.ref !== undefined ? [s as TracedStep & { ref: string }] : [];
  for (const c of s.children ?? []) if (c.ref !== undefined) own.push(c as TracedStep & { ref: string });
  return own;
}

/** A step as it stands in a pair: its own facts, its children without their subtrees. */
function pairStep(s: TracedStep): TracedStep {
  const { children, ...rest } = s;
  return children ? { ...rest, children: children.map(({ children: _, ...c }) => c) } : rest;
}

function contentOf(s: TracedStep, read: ContentReader): unknown {
  if (s.path === undefined || s.missing) return undefined;
  try {
    return read(s.path);
  } catch {
    return undefined;
  }
}

function changesOf(a: TracedStep, b: TracedStep, read: ContentReader): DiffChange[] {
  const ra = stepRefs(a);
  const rb = stepRefs(b);
  const out: DiffChange[] = [];
  const n = Math.max(ra.length, rb.length);
  const several = n > 1;
  let more = 0;
  for (let i = 0; i < n; i++) {
    const x = ra[i];
    const y = rb[i];
    if (x?.ref === y?.ref) continue;
    // Artifacts present on one side, or whose content is unreadable, differ as refs.
    const cx = x && contentOf(x, read);
    const cy = y && contentOf(y, read);
    const prefix = several ? `${(x ?? y)!.kind ?? `[${i}]`}:` : '';
    if (cx === undefined || cy === undefined) {
      out.push({ path: `${prefix}$`, ...(x ? { a: x.ref } : {}), ...(y ? { b: y.ref } : {}) });
      continue;
    }
    const r = jsonChanges(cx, cy, MAX_CHANGES - out.length);
    for (const c of r.changes) out.push({ ...c, path: prefix + c.path });
    more += r.more;
  }
  if (more) out.push({ path: '…', a: `${more} more changes not listed` });
  return out;
}

function side(t: Trace): DiffSide {
  const s: DiffSide = { root: t.root };
  if (t.runId !== undefined) s.runId = t.runId;
  if (t.durationMs !== undefined) s.durationMs = t.durationMs;
  if (t.error !== undefined) s.error = t.error;
  return s;
}

export function diffTraces(a: Trace, b: Trace, read: ContentReader = readArtifactContent): Comparison {
  const pairs: ComparedPair[] = [];
  for (const [i, j] of align(a.steps.map(stepKey), b.steps.map(stepKey))) {
    if (j < 0) {
      pairs.push({ status: 'onlyA', a: pairStep(a.steps[i]) });
      continue;
    }
    if (i < 0) {
      pairs.push({ status: 'onlyB', b: pairStep(b.steps[j]) });
      continue;
    }
    const x = a.steps[i];
    const y = b.steps[j];
    const refsX = stepRefs(x).map((s) => s.ref);
    const refsY = stepRefs(y).map((s) => s.ref);
    const same = refsX.length === refsY.length && refsX.every((r, k) => r === refsY[k]);
    const pair: ComparedPair = { status: same ? 'same' : 'changed', a: pairStep(x), b: pairStep(y) };
    if (!same) pair.changes = changesOf(x, y, read);
    if (x.durationMs !== undefined && y.durationMs !== undefined) pair.durationDeltaMs = y.durationMs - x.durationMs;
    pairs.push(pair);
  }
  const result: Comparison = { a: side(a), b: side(b), pairs };
  if (a.durationMs !== undefined && b.durationMs !== undefined) result.durationDeltaMs = b.durationMs - a.durationMs;
  return result;
}
