// The model store's public surface: what the CLI and the extension call.
//
//   const r = await pullModel({ stateDir, id, url, sha256, signal, onProgress });  // PullError on failure (err.code)
//   const plan = await collectGarbage({ stateDir, ttlDays, dryRun: true, explain: true, extraRoots });
//
// `extraRoots` for GC: `indexRootsFor(index, stateDir)` turns a built workspace index into the
// digests it references outside the store itself.
export { pullModel, validatePullOptions, type PullOptions, type PullResult } from './pull';
export { collectGarbage, type GcOptions, type GcReport, type GcBlobExplanation } from './gc';
export { indexRootsFor } from './indexRoots';
export { PullError, GcError, type PullErrorCode, type GcErrorCode } from './errors';
export { progressText, type PullProgress, type PullStatus } from './progress';
export type { HttpLayer, HttpRequest, HttpResponse } from './httpClient';
export type { PartWriter } from './transfer';
export { validateSha256, validateModelId, validateUrl, normaliseSha256, sanitiseFileName } from './names';
export { readMetrics, type DownloadMetrics } from './metrics';
export { storePaths } from './storePaths';
