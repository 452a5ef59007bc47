// Labels and sensitivity (seeds/002) as a resolve answer carries them, for the hover, the
// views' tooltips and the withholding decision alike. Free of Node APIs: the extension uses it.
import type { ResolvedTarget } from '../index/resolution';
import type { ResolveSuccess } from '../protocol';

export interface ContentLabels {
  labels?: string[];
  sensitivity?: string;
}

/** Labels and sensitivity from a resolve answer (an artifact's own fields, or its sidecar's). */
export function contentLabels(r: ResolveSuccess): ContentLabels {
  const { labels, sensitivity } = r.details ?? {};
  return normalized(labels, sensitivity);
}

/** Labels and sensitivity of a resolved target: an artifact's own (or its sidecar's), or what its deletion record kept. */
export function targetLabels(r: ResolvedTarget): ContentLabels {
  if (r.type === 'artifact') return normalized(r.artifact.labels, r.artifact.sensitivity);
  if (r.type === 'pruned') return normalized(r.summary.labels, r.summary.sensitivity);
  return {};
}

function normalized(labels: unknown, sensitivity: unknown): ContentLabels {
  const out: ContentLabels = {};
  if (typeof sensitivity === 'string' && sensitivity.trim() !== '') out.sensitivity = sensitivity;
  if (Array.isArray(labels)) out.labels = labels.filter((l): l is string => typeof l === 'string');
  else if (typeof labels === 'string') out.labels = [labels];
  return out;
}
