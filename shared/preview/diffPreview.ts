// Compare shows artifact content (the values that differ between two runs' artifacts), so its
// values go through the same masking as every other preview (CONTRACT 3): a credential in
// either value is shown as `[masked: <rule>]`. Only what is displayed changes.
import type { DiffResult } from '../protocol';
import type { PreviewSettings } from './contentPreview';
import { maskSecrets } from './secretMasker';

async function maskedValue(v: unknown): Promise<unknown> {
  if (typeof v !== 'string' && (v === null || typeof v !== 'object')) return v;
  const text = typeof v === 'string' ? v : JSON.stringify(v);
  const m = await maskSecrets(text);
  if (!m.masked.length) return v;
  // A structure holding a credential is shown as its masked JSON text.
  return m.text;
}

/** `d` with every change's values masked as `settings` say (in place; returned for chaining). */
export async function maskDiff(d: DiffResult, settings: PreviewSettings): Promise<DiffResult> {
  if (!settings.maskSecrets) return d;
  for (const p of d.pairs) {
    for (const c of p.changes ?? []) {
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
