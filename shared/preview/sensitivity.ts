// Sensitivity labels (seeds/002: "sensitive artifacts stay under the same controls as
// secrets") and the `refscope.hidePreviewsAtSensitivity` threshold. Runtimes spell levels
// their own way; a level we do not know is treated as `confidential`, so an unfamiliar label
// errs towards hiding rather than showing.

export const SENSITIVITY_LEVELS = ['public', 'internal', 'confidential', 'secret'] as const;
export type SensitivityLevel = (typeof SENSITIVITY_LEVELS)[number];

export const DEFAULT_HIDE_PREVIEWS_AT: SensitivityLevel = 'secret';

/** The rank of a level as written (case and surrounding blanks ignored); unknown = confidential. */
export function sensitivityRank(value: string): number {
  const at = SENSITIVITY_LEVELS.indexOf(value.trim().toLowerCase() as SensitivityLevel);
  return at >= 0 ? at : SENSITIVITY_LEVELS.indexOf('confidential');
}

/** A setting value as a threshold: one of the levels, else the default. */
export function parseSensitivityThreshold(value: unknown): SensitivityLevel {
  const level = typeof value === 'string' ? (value.trim().toLowerCase() as SensitivityLevel) : undefined;
  return level && SENSITIVITY_LEVELS.includes(level) ? level : DEFAULT_HIDE_PREVIEWS_AT;
}

/** Whether content labelled `sensitivity` is withheld at `threshold`; unlabelled content is not. */
export function isWithheld(sensitivity: string | undefined, threshold: SensitivityLevel): boolean {
  return sensitivity !== undefined && sensitivityRank(sensitivity) >= SENSITIVITY_LEVELS.indexOf(threshold);
}
