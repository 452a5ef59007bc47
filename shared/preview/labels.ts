// Labels and sensitivity (seeds/002) as a resolve answer carries them, for the hover, the
// views' tooltips and the withholding decision alike. Free of Node APIs: the extension uses it.
import type { ResolveSuccess } from '../protocol';

export interface ContentLabels {
  labels?: string[];
  sensitivity?: string;
}

/** Labels and sensitivity from a resolve answer (an artifact's own fields, or its sidecar's). */
export function contentLabels(r: ResolveSuccess): ContentLabels {
  const { labels, sensitivity } = r.details ?? {};
  const out: ContentLabels = {};
  if (typeof sensitivity === 'string' && sensitivity.trim() !== '') out.sensitivity = sensitivity;
  if (Array.isArray(labels)) out.labels = labels.filter((l): l is string => typeof l === 'string');
  else if (typeof labels === 'string') out.labels = [labels];
  return out;
}
