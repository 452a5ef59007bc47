// The model store's public surface: what the CLI and the extension call.
export { pullModel, validatePullOptions, type PullOptions, type PullResult } from './pull';
export { collectGarbage, type GcOptions, type GcReport, type GcBlobExplanation } from './gc';
export { PullError, GcError, type PullErrorCode, type GcErrorCode } from './errors';
export type { PullProgress, PullStatus } from './progress';
export type { HttpLayer, HttpRequest, HttpResponse } from './httpClient';
export type { PartWriter } from './transfer';
export { validateSha256, validateModelId, validateUrl, normaliseSha256, sanitiseFileName } from './names';
export { readMetrics, type DownloadMetrics } from './metrics';
export { storePaths } from './storePaths';
