// The `refscope/*` requests (CONTRACT 3): answered by the index once it is built (or, past
// the wait, from what it holds so far).
import {
  DiffRequest,
  GcRootsRequest,
  GraphRequest,
  ModelsRequest,
  ReindexRequest,
  RequestsRequest,
  ResolveRequest,
  RunsRequest,
  SnapshotsRequest,
  StatsRequest,
  TraceRequest,
  VerifyRequest,
  type RefParams,
} from '../../shared/protocol';
import type { RequestType } from 'vscode-languageserver-protocol';
import { indexRootsFor } from '../../shared/models/indexRoots';
import { maskDiff } from '../../shared/preview/diffPreview';
import { resolveWithPreview } from '../../shared/preview/contentPreview';
import type { ServerContext } from '../context';
import type { DiagnosticsPublisher } from './diagnostics';

const STATS_WAIT_MS = 10 * 60 * 1000;

function refOf(params: RefParams | undefined): string {
  return typeof params?.ref === 'string' ? params.ref : '';
}

export function registerCustomRequests(ctx: ServerContext, diagnostics: DiagnosticsPublisher): void {
  const { host } = ctx;
  // shared/protocol's RequestTypes come from the top-level vscode-languageserver-protocol, the
  // connection from the copy nested under vscode-languageserver: register by method name,
  // typed by the shared RequestType.
  const on = <P, R>(type: RequestType<P, R, void>, handler: (params: P) => Promise<R>) =>
    ctx.connection.onRequest(type.method, (params: P) => handler(params));
  on(ResolveRequest, async (p) => resolveWithPreview(await host.get(), refOf(p), ctx.settings));
  on(TraceRequest, async (p) => (await host.get()).trace(refOf(p)));
  on(DiffRequest, async (p) => maskDiff((await host.get()).diff(typeof p?.a === 'string' ? p.a : '', typeof p?.b === 'string' ? p.b : ''), ctx.settings));
  on(GraphRequest, async (p) => {
    const depth = typeof p?.depth === 'number' && p.depth >= 0 ? Math.min(p.depth, 10) : undefined;
    const direction = p?.direction === 'in' || p?.direction === 'out' || p?.direction === 'both' ? p.direction : undefined;
    return (await host.get()).graph({ ref: refOf(p), ...(depth !== undefined ? { depth } : {}), ...(direction ? { direction } : {}) });
  });
  on(RunsRequest, async () => (await host.get()).runs());
  on(SnapshotsRequest, async () => (await host.get()).snapshots());
  // Counts from a half-built index are neither cheap (the index derives cross-file problems
  // for them) nor meaningful, so stats waits for the build; progress shows it is under way.
  on(StatsRequest, async () => (await host.get(STATS_WAIT_MS)).stats());
  on(ModelsRequest, async () => (await host.get()).models());
  on(RequestsRequest, async () => (await host.get()).requests());
  on(VerifyRequest, async () => {
    await host.get();
    return { problems: diagnostics.publishWorkspace(true) };
  });
  on(GcRootsRequest, async (p) => {
    if (typeof p?.stateDir !== 'string' || !p.stateDir) return { digests: [] };
    return { digests: [...indexRootsFor(await host.get(), p.stateDir)] };
  });
  on(ReindexRequest, async () => {
    const stats = await host.rebuild();
    return stats ?? (await host.get()).stats();
  });
}
