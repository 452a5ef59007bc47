// `refscope/trace`, `refscope/diff`, `refscope trace --json` and `refscope diff --json`
// (CONTRACT 2, 3, 4): the one place a trace's or a compare's steps get their file URIs.
import type { Comparison, ComparedPair, Trace, TracedStep } from '../index/answers';
import type { DiffPair, DiffResult, TraceResult, TraceStep } from '../protocol';
import { withFileUri } from './fileUri';

export function stepWire(s: TracedStep): TraceStep {
  const out = withFileUri<TraceStep>(s);
  if (s.children) out.children = s.children.map(stepWire);
  return out;
}

export function traceWire(t: Trace): TraceResult {
  return { ...t, steps: t.steps.map(stepWire) };
}

function pairWire(p: ComparedPair): DiffPair {
  const { a, b, ...rest } = p;
  const out: DiffPair = { ...rest };
  if (a) out.a = stepWire(a);
  if (b) out.b = stepWire(b);
  return out;
}

export function diffWire(d: Comparison): DiffResult {
  return { ...d, pairs: d.pairs.map(pairWire) };
}
