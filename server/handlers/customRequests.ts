// The `refscope/*` requests (CONTRACT 3): answered by the index once it is built (or, past
// the wait, from what it holds so far). The index answers with paths; the wire shapes, with
// their file URIs, are made here (shared/wire/).
import {
  DiffRequest,
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
import { resolveForDisplay } from '../../shared/wire/resolveWire';
import { diffWire, traceWire } from '../../shared/wire/traceWire';
import { graphWire, modelsWire, requestsWire, runsWire } from '../../shared/wire/listWire';
import { maskDiff, sensitivityIn } from '../../shared/preview/diffPreview';
import type { ServerContext } from '../context';
import type { DiagnosticsPublisher } from './diagnostics';

const STATS_WAIT_MS = 10 * 60 * 1000;

function refOf(params: RefParams | undefined): string {
  return typeof params?.ref === 'string' ? params.ref : '';
}

export function registerCustomRequests(ctx: ServerContext, diagnostics: DiagnosticsPublisher): void {
  const { connection, host } = ctx;
  connection.onRequest(ResolveRequest.type, async (p) => resolveForDisplay(await host.get(), refOf(p), ctx.settings));
  connection.onRequest(TraceRequest.type, async (p) => traceWire(await ctx.service.trace(refOf(p))));
  connection.onRequest(DiffRequest.type, async (p) => {
    const index = await host.get();
    return diffWire(await maskDiff(index.diff(typeof p?.a === 'string' ? p.a : '', typeof p?.b === 'string' ? p.b : ''), ctx.settings, sensitivityIn(index)));
  });
  connection.onRequest(GraphRequest.type, async (p) => {
    const depth = typeof p?.depth === 'number' && p.depth >= 0 ? Math.min(p.depth, 10) : undefined;
    const direction = p?.direction === 'in' || p?.direction === 'out' || p?.direction === 'both' ? p.direction : undefined;
    return graphWire((await host.get()).graph({ ref: refOf(p), ...(depth !== undefined ? { depth } : {}), ...(direction ? { direction } : {}) }));
  });
  connection.onRequest(RunsRequest.type, async () => runsWire((await host.get()).runs()));
  connection.onRequest(SnapshotsRequest.type, async () => runsWire((await host.get()).snapshots()));
  // Counts from a half-built index are neither cheap (the index derives cross-file problems
  // for them) nor meaningful, so stats waits for the build; progress shows it is under way.
  connection.onRequest(StatsRequest.type, async () => (await host.get(STATS_WAIT_MS)).stats());
  connection.onRequest(ModelsRequest.type, async () => modelsWire((await host.get()).models()));
  connection.onRequest(RequestsRequest.type, async () => requestsWire((await host.get()).requests()));
  connection.onRequest(VerifyRequest.type, async () => {
    await host.get();
    return { problems: await diagnostics.publishWorkspace(true) };
  });
  connection.onRequest(ReindexRequest.type, async () => {
    const stats = await host.rebuild();
    return stats ?? (await host.get()).stats();
  });
}
