// Writes the whole demo workspace (issue 2, "Demo workspace"): three agent runtime roots (one
// serverd-shaped, with sha256 run ids and state hashes that must never warn), a
// SQLite event store, a model store, two sidecar file stores with run states and ledgers,
// notes and scripts citing refs, and one of each fault Refscope must catch. Each part
// draws from its own seeded generator, so the output is byte-identical run after run and
// changing one part does not reshuffle the others.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { demoSkills, writeAgentConfig } from './agentConfig';
import { writeAgentRuns } from './agentRuns';
import { ArtifactWriter } from './artifactWriter';
import { AuditLogWriter } from './auditLog';
import { FaultLog, lineOf, type PlantedFault } from './faults';
import { writeFlowRuntime } from './flowRuntime';
import { writeModelStore } from './modelStore';
import { DEMO_EPOCH, DemoClock, Prng } from './prng';
import { writeReplayLog } from './replayLog';
import { writeChunkTwins } from './retrievedChunks';
import { writeSecondAgent } from './secondAgent';
import { writeServerdRuntime } from './serverdRuntime';
import { writeSqliteStore } from './sqliteStore';
import { writeIncidentNote, writeReadme, writeReplaySources } from './workspaceDocs';

export const DEFAULT_RUNS = 6;
export const MAX_RUNS = 1_000_000;

export interface DemoSummary {
  dir: string;
  runs: { agentA: number; agentB: number; serverd: number; flow: number };
  artifacts: { total: number; byKind: Record<string, number> };
  sidecars: number;
  events: { audit: number; plain: number; sqlite: number };
  blobs: number;
  /** The request written last, across both agents. */
  newestRequest: string;
  faults: PlantedFault[];
}

export class DemoDirNotEmptyError extends Error {}

/** The top-level entries the demo writes; with --force, only these are touched. */
const OWN_ENTRIES = ['README.md', 'agent-a', 'agent-b', 'serverd', 'artifact-store', 'state', 'flow-runtime', 'flow-archive', 'notes', 'src'];

/** A symlink among the demo's own paths would carry its writes outside DIR. */
function findSymlink(dir: string): string | undefined {
  const pending = OWN_ENTRIES.map((e) => path.join(dir, e));
  while (pending.length) {
    const p = pending.pop()!;
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      continue;
    }
    if (st.isSymbolicLink()) return p;
    if (st.isDirectory()) for (const e of fs.readdirSync(p)) pending.push(path.join(p, e));
  }
  return undefined;
}

/** Refuses to write into a folder that holds anything unless forced: the demo must never mix into someone's files by accident. */
function prepareDir(dir: string, force: boolean): void {
  if (fs.existsSync(dir)) {
    if (!fs.statSync(dir).isDirectory()) throw new DemoDirNotEmptyError(`${dir} exists and is not a folder`);
    if (!force && fs.readdirSync(dir).length > 0) throw new DemoDirNotEmptyError(`${dir} is not empty (use --force to write the demo into it anyway)`);
    const link = force ? findSymlink(dir) : undefined;
    if (link) throw new DemoDirNotEmptyError(`${link} is a symbolic link: writing through it could leave ${dir}, so the demo refuses`);
  }
  fs.mkdirSync(dir, { recursive: true });
}

export async function writeDemoWorkspace(target: string, options: { runs?: number; force?: boolean } = {}): Promise<DemoSummary> {
  const runCount = options.runs ?? DEFAULT_RUNS;
  if (!Number.isInteger(runCount) || runCount < 1 || runCount > MAX_RUNS) throw new RangeError(`runs must be an integer from 1 to ${MAX_RUNS}`);
  const dir = path.resolve(target);
  prepareDir(dir, options.force ?? false);
  const faults = new FaultLog(dir);

  // The model store predates the runs: it was filled two days earlier.
  const models = writeModelStore(path.join(dir, 'state'), new Prng(3), new DemoClock(DEMO_EPOCH - 2 * 86400_000), faults);

  const clock = new DemoClock(DEMO_EPOCH);
  const agentA = new ArtifactWriter(path.join(dir, 'agent-a', 'runtime'));
  const skills = demoSkills(models.models[0].sha256);
  const config = writeAgentConfig(agentA, clock, skills, models.models, faults);
  const twins = writeChunkTwins(agentA);
  const audit = new AuditLogWriter(path.join(agentA.root, 'logs', 'audit.jsonl'));
  const prngA = new Prng(1);
  let result;
  try {
    result = writeAgentRuns({ writer: agentA, audit, clock, prng: prngA, config, faults }, runCount);
  } finally {
    audit.close();
  }
  const { runs } = result;
  writeReplayLog(path.join(agentA.root, 'logs', 'replay.jsonl'), runs[0], prngA, new DemoClock(clock.epochMs).advance(3600), faults);

  const agentB = writeSecondAgent(path.join(dir, 'agent-b', 'runtime'), Math.max(3, Math.ceil(runCount / 40)), new Prng(2), new DemoClock(DEMO_EPOCH + 1800_000), faults, runs[0].request.hex);
  const sqlite = await writeSqliteStore(path.join(dir, 'artifact-store', 'events.db'), runs, new Prng(4), new DemoClock(DEMO_EPOCH + 60_000), faults);
  const flow = writeFlowRuntime(dir, new Prng(5), new DemoClock(DEMO_EPOCH + 4 * 3600_000), faults);
  const serverd = writeServerdRuntime(dir, Math.max(2, Math.ceil(runCount / 40)), new Prng(6), new DemoClock(DEMO_EPOCH + 2 * 3600_000), faults);

  const tampered = faults.planted.find((f) => f.kind === 'tampered-artifact')!;
  const pruned = faults.planted.find((f) => f.kind === 'pruned-artifact' && f.ref?.startsWith('sha256:'))!;
  const docRefs = {
    firstRunId: runs[Math.min(1, runs.length - 1)].runId,
    request: runs[Math.min(1, runs.length - 1)].request.ref,
    tamperedOutput: tampered.ref!,
    capsule: runs[Math.min(1, runs.length - 1)].capsule.ref,
    snapshotHex: config.snapshot.hex,
    templateRef: config.templates.get(skills[0].id)!.namespacedRef,
    retrievalConfigRef: config.retrievalConfig.namespacedRef,
    blake3: sqlite.sample.blake3,
    blake3Sequence: sqlite.sample.sequence,
    modelSha256: models.models[0].sha256,
    prunedScreenshot: pruned.ref!,
    flowArtifactId: flow.sampleArtifactId,
    ambiguousChunk: twins.ambiguousRef,
  };
  const note = writeIncidentNote(dir, docRefs);
  faults.add({
    kind: 'ambiguous-ref',
    file: note,
    line: lineOf(note, `\`${twins.ambiguousRef}\``),
    ref: twins.ambiguousRef,
    what: `The note cites the policy chunk the model quoted by 8 hex digits that two \`retrieval/chunks\` artifacts start with: ambiguous, reported with both candidates, resolved to neither.`,
  });
  writeReplaySources(dir, docRefs);

  const byKind: Record<string, number> = {};
  for (const writer of [agentA, agentB.writer, serverd.writer]) for (const [kind, n] of writer.counts) byKind[kind] = (byKind[kind] ?? 0) + n;
  const lastA = runs[runs.length - 1];
  const summary: DemoSummary = {
    dir,
    runs: { agentA: runs.length, agentB: agentB.runs, serverd: serverd.runIds.length, flow: flow.runs.length },
    artifacts: { total: agentA.total + agentB.writer.total + serverd.writer.total, byKind },
    sidecars: flow.sidecars,
    // Plain JSONL: agent-b's log, the model store's and the workflow scheduler's.
    events: { audit: result.auditEvents + serverd.events, plain: agentB.events + models.events + flow.events, sqlite: sqlite.rows },
    blobs: models.blobs,
    newestRequest: lastA.newestRequestAt > agentB.newestRequest.createdAt ? lastA.newestRequest.ref : agentB.newestRequest.ref,
    faults: faults.planted,
  };
  writeReadme(dir, { agentRuns: runs.length + agentB.runs + serverd.runIds.length, workflowRuns: flow.runs.length, artifacts: summary.artifacts.total, sidecars: summary.sidecars, auditEvents: summary.events.audit, plainEvents: summary.events.plain, sqliteRows: summary.events.sqlite, blobs: summary.blobs, newestRequest: summary.newestRequest }, faults.planted);
  return summary;
}
