// The human side of the demo: an incident note and two replay scripts that cite evidence
// by ref in every form (canonical, abbreviated, upper-case, namespaced, blake3, object),
// and the README that maps the layout and names every planted fault by file and line.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { PlantedFault } from './faults';

export interface DocRefs {
  firstRunId: string;
  request: string;
  tamperedOutput: string;
  capsule: string;
  snapshotHex: string;
  templateRef: string;
  retrievalConfigRef: string;
  blake3: string;
  blake3Sequence: number;
  modelSha256: string;
  prunedScreenshot: string;
  flowArtifactId: string;
  /** An abbreviation two artifacts' digests start with. */
  ambiguousChunk: string;
}

function write(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
}

/** Writes `notes/incident.md` and returns its path. */
export function writeIncidentNote(dir: string, r: DocRefs): string {
  const file = path.join(dir, 'notes', 'incident.md');
  write(
    file,
    `# INC-2291: refund approved without human review

Opened 2026-11-20 by on-call (payments). Status: investigating.

## Timeline

1. Run \`${r.firstRunId}\` sent request ${r.request} to the provider.
2. The stored output ${r.tamperedOutput} now reads "Approved: refund issued in full",
   but \`refscope verify\` says its bytes do not match its name: someone edited it.
3. The run capsule (\`sha256:${r.capsule.slice(7, 19)}\`, abbreviated) still pins the original audit head.

## Evidence

| what | ref |
|---|---|
| prompt template | \`${r.templateRef}\` |
| retrieval config | \`${r.retrievalConfigRef}\` |
| config snapshot (pasted from a ticket, upper case) | sha256:${r.snapshotHex.toUpperCase()} |
| registry event (evidence package created) | \`blake3:${r.blake3}\` (sequence ${r.blake3Sequence}) |
| local model used by billing-refunds | sha256:${r.modelSha256} |
| browser screenshot (pruned by retention) | ${r.prunedScreenshot} |
| policy chunk the model quoted (as the retriever logged it) | \`${r.ambiguousChunk}\` |

The policy summary the refund workflow used:

\`\`\`json
{"policy_summary": {"$artifact": "${r.flowArtifactId}"}}
\`\`\`
`,
  );
  return file;
}

export function writeReplaySources(dir: string, r: DocRefs): void {
  write(
    path.join(dir, 'src', 'replay.ts'),
    `// Replays the run behind INC-2291 from its capsule (sha256:${r.capsule.slice(7)}).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const CAPSULE_REF = '${r.capsule}';
const TEMPLATE_REF = '${r.templateRef}';

/** Loads an artifact by its canonical ref from a runtime root. */
export function loadArtifact(root: string, kind: string, ref: string): unknown {
  const hex = ref.slice(ref.indexOf('sha256:') + 7);
  return JSON.parse(readFileSync(join(root, 'artifacts', kind, hex + '.json'), 'utf8'));
}

export function replayCapsule(root: string): unknown {
  const capsule = loadArtifact(root, 'run_capsules', CAPSULE_REF);
  const template = loadArtifact(root, 'prompt_templates', TEMPLATE_REF);
  return { capsule, template };
}
`,
  );
  write(
    path.join(dir, 'src', 'replay.py'),
    `"""Replays the run behind INC-2291 and checks the request still matches its recorded hash."""
import hashlib
import json
from pathlib import Path

REQUEST_REF = "${r.request}"
RETRIEVAL_CONFIG = "${r.retrievalConfigRef}"
EXPECTED = {"request_sha256": "${r.request.slice(7)}"}


def verify(root: Path) -> bool:
    # ${r.request} must hash to its own name
    hex_digest = REQUEST_REF.split(":", 1)[1]
    data = (root / "artifacts" / "requests" / f"{hex_digest}.json").read_bytes()
    return hashlib.sha256(data).hexdigest() == EXPECTED["request_sha256"]


if __name__ == "__main__":
    print(json.dumps({"ok": verify(Path("agent-a/runtime"))}))
`,
  );
}

export interface ReadmeFacts {
  agentRuns: number;
  workflowRuns: number;
  /** Artifact files in the agents' runtime roots (sidecar entries apart). */
  artifacts: number;
  sidecars: number;
  auditEvents: number;
  plainEvents: number;
  sqliteRows: number;
  blobs: number;
  newestRequest: string;
}

export function writeReadme(dir: string, facts: ReadmeFacts, planted: PlantedFault[]): void {
  const where = (f: PlantedFault) => `\`${f.file}\`${f.line ? ` line ${f.line}` : ''}${f.sequence ? ` (events.sequence = ${f.sequence})` : ''}`;
  // No refs in these rows: the README is scanned like any Markdown, and a copy of the dangling
  // or traversal ref here would be a second, unplanted fault.
  const row = (f: PlantedFault) => `| ${f.kind} | ${where(f)} | ${f.what} |`;
  write(
    path.join(dir, 'README.md'),
    `# Refscope demo workspace

Written by \`refscope demo\`: ${facts.agentRuns} agent runs and ${facts.workflowRuns} workflow runs,
${facts.artifacts + facts.sidecars} artifacts (${facts.artifacts} artifact files and ${facts.sidecars} file-store sidecar entries,
counted together as \`refscope index\` counts them), ${facts.auditEvents} audit records, ${facts.plainEvents} plain events, ${facts.sqliteRows} SQLite events,
${facts.blobs} model blobs. Everything is generated deterministically: the same command
writes the same bytes (model manifests hold the absolute blob path, as runtimes write it,
so only they change with the folder).

Newest request: \`${facts.newestRequest}\` (try \`refscope trace ${facts.newestRequest}\`).

## Layout

| path | what |
|---|---|
| \`agent-a/runtime/artifacts/<kind>/<sha256>.json\` | a support/code/billing agent's evidence: \`prompts\`, \`contexts\`, \`requests\`, \`responses\`, \`outputs\`, \`tool_calls\`, \`tool_outputs\`, \`states\`, \`state_deltas\`, \`run_capsules\`, \`explains\`, \`snapshots\`, \`context_policies\`, and the namespaced kinds \`prompt_templates\`, \`retrieval/configs\` and \`retrieval/chunks\` |
| \`agent-a/runtime/logs/audit.jsonl\` | hash-chained audit log (algo_version 2), every write of every run in order |
| \`agent-a/runtime/logs/replay.jsonl\` | a second audit log: a replay of the first run, cut off mid-append |
| \`serverd/runtime/\` | a serverd-style runtime (seeds/001): its run ids are \`sha256:\` strings on every event and request, its capsules carry state hashes; neither may ever show as a problem |
| \`agent-b/runtime/\` | a browsing agent: its artifacts (screenshots are \`.png\`) and a plain JSONL log \`events.jsonl\` |
| \`artifact-store/events.db\` | the artifact registry's SQLite event store (payload_digest = BLAKE3 of payload) |
| \`state/models/\` | model store: \`by-hash/\` blobs, one manifest per model, a partial download (\`.part\`, \`.part.meta\`) |
| \`state/downloads.metrics.json\`, \`state/events.jsonl\` | download throughput and the model store's own events |
| \`flow-runtime/\` | a workflow runtime: flat sidecar store (\`artifacts/<id>.bin\` + \`.meta\`), run states \`run_<id>.json\`, ledgers \`ledger_<id>.jsonl\` (one chained, one older unchained), the scheduler's plain log \`scheduler.events.jsonl\` |
| \`flow-archive/\` | deduplicated sidecar store (\`artifacts/refs/<id>.meta\` -> \`artifacts/blobs/<sha256>.bin\`), an archived run with a signed chained ledger and \`snapshot_<id>.json\` |
| \`notes/incident.md\`, \`src/replay.ts\`, \`src/replay.py\` | a note and scripts citing evidence by ref in every form |

## Try it

- \`refscope verify\` lists every fault below with its file and line (and exits 1).
- \`refscope trace <request ref>\` follows a request through its response, output, tool
  call, tool output, capsule and explain, with the time between steps.
- In the editor, open \`notes/incident.md\` and hover the refs: each form (canonical,
  abbreviated, upper case, namespaced, \`blake3:\`, \`{"$artifact": ...}\`) resolves, except the
  planted faults: the 8-hex policy chunk ref is ambiguous, and its hover lists both candidates.

## Planted faults (Refscope must report each one)

| fault | where | what |
|---|---|---|
${planted.filter((f) => f.fault).map(row).join('\n')}

\`refscope verify\` on this workspace therefore exits 1.

## Not errors, but Refscope must handle them right

| state | where | what |
|---|---|---|
${planted.filter((f) => !f.fault).map(row).join('\n')}

Also:
- \`models/<name>.part.meta\` names the digest the finished download will have; no blob has it
  yet (a download in progress).
- Run capsules pin \`audit.audit_head_hash\`: the \`hash\` of the audit record written just
  before the capsule, not an artifact.
- The orphan blob in \`state/models/by-hash/\` is named by no manifest: what GC would collect
  once it is older than the TTL.
`,
  );
}
