// Compare shows artifact content (the values that differ between two runs' artifacts), so its
// values go through the same masking as every other preview (CONTRACT 3): a credential in
// either value is shown as `[masked: <rule>]`, and a pair whose artifacts are labelled at or
// above `refscope.hidePreviewsAtSensitivity` shows no values at all. Only what is displayed changes.
import type { RefIndex } from '../index/api';
import { isResolvedTarget } from '../index/resolution';
import type { ComparedPair, Comparison, TracedStep } from '../index/answers';
import type { PreviewSettings } from './contentPreview';
import { targetLabels } from './labels';
import { maskSecrets } from './secretMasker';
import { isWithheld, sensitivityRank } from './sensitivity';

/** A ref's `sensitivity` label, as the index resolves it. */
export type SensitivityOf = (ref: string) => string | undefined;

export function sensitivityIn(index: Pick<RefIndex, 'resolve'>): SensitivityOf {
  return (ref) => {
    const r = index.resolve(ref);
    return isResolvedTarget(r) ? targetLabels(r).sensitivity : undefined;
  };
}

/** The highest sensitivity among the artifacts of a pair's two steps (and their children) that withholds content. */
function withheldLevel(pair: ComparedPair, settings: PreviewSettings, sensitivityOf: SensitivityOf): string | undefined {
  let level: string | undefined;
  const visit = (s: TracedStep | undefined) => {
    if (!s) return;
    const found = s.ref !== undefined ? sensitivityOf(s.ref) : undefined;
    if (isWithheld(found, settings.hidePreviewsAt) && (level === undefined || sensitivityRank(found!) > sensitivityRank(level))) level = found;
    for (const c of s.children ?? []) visit(c);
  };
  visit(pair.a);
  visit(pair.b);
  return level;
}

async function maskedValue(v: unknown): Promise<unknown> {
  if (typeof v !== 'string' && (v === null || typeof v !== 'object')) return v;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  const m = await maskSecrets(text);
  if (!m.masked.length) return v;
  // A structure holding a credential is shown as its masked JSON text.
  return m.text;
}

/**
 * `d` with every change's values masked as `settings` say, and the values of pairs holding
 * sensitive artifacts withheld (in place; returned for chaining).
 */
export async function maskDiff(d: Comparison, settings: PreviewSettings, sensitivityOf: SensitivityOf): Promise<Comparison> {
  for (const p of d.pairs) {
    if (!p.changes?.length) continue;
    const withheld = withheldLevel(p, settings, sensitivityOf);
    if (withheld !== undefined) {
      p.withheld = withheld;
      const shown = `[withheld: sensitivity ${withheld}]`;
      for (const c of p.changes) {
        if (c.a !== undefined) c.a = shown;
        if (c.b !== undefined) c.b = shown;
      }
      continue;
    }
    if (!settings.maskSecrets) continue;
    for (const c of p.changes) {
      if (c.a !== undefined) c.a = await maskedValue(c.a);
      if (c.b !== undefined) c.b = await maskedValue(c.b);
    }
  }
  return d;
}

/** An artifact as Compare Runs opens it in the diff editor: pretty JSON (text that is not JSON as it is), masked. */
export async function comparedDocument(text: string, settings: Pick<PreviewSettings, 'maskSecrets'>): Promise<string> {
  let pretty = text;
  try {
    pretty = JSON.stringify(JSON.parse(text), null, 2) + '\n';
  } catch {
    // Not JSON: shown as written.
  }
  return settings.maskSecrets ? (await maskSecrets(pretty)).text : pretty;
}
