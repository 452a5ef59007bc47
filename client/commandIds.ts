// Command ids (CONTRACT 6), in one place so the hover trust list, the registrations and the
// tests cannot disagree.
export const Commands = {
  traceRequest: 'refscope.traceRequest',
  openArtifact: 'refscope.openArtifact',
  showProvenance: 'refscope.showProvenance',
  copyRef: 'refscope.copyRef',
  verifyStore: 'refscope.verifyStore',
  reindex: 'refscope.reindex',
  pullModel: 'refscope.pullModel',
  gcModels: 'refscope.gcModels',
  showStats: 'refscope.showStats',
  traceRun: 'refscope.traceRun',
  showTimeline: 'refscope.showTimeline',
  compareRuns: 'refscope.compareRuns',
  /** The Run Capsules context menu's "Compare with…": compareRuns with that run as A. */
  compareWith: 'refscope.compareWith',
  openComparePair: 'refscope.openComparePair',
  exportTrace: 'refscope.exportTrace',
} as const;

/** Commands a server-rendered hover or code lens may link to: read-only navigation only. */
export const REFSCOPE_COMMANDS: readonly string[] = [Commands.traceRequest, Commands.openArtifact, Commands.showProvenance, Commands.copyRef];
