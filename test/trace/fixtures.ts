// Workspaces the trace suites share.
import type { RefIndex } from '../../shared/index/api';
import { createIndex } from '../../shared/index/workspaceIndex';
import { Workspace } from '../index/fixture';

/** Two runs of one agent: B answers differently, calls a tool A did not, and has no capsule. */
export function twoRuns(ws: Workspace): Record<string, string> {
  const h: Record<string, string> = {};
  h.prompt = ws.artifact('runtime', 'prompts', { text: 'be brief' });
  h.reqA = ws.artifact('runtime', 'requests', { prompt_ref: `sha256:${h.prompt}`, messages: [{ role: 'user', content: 'hi' }], model: 'm1' });
  h.reqB = ws.artifact('runtime', 'requests', { prompt_ref: `sha256:${h.prompt}`, messages: [{ role: 'user', content: 'hello' }], model: 'm1' });
  h.resp = ws.artifact('runtime', 'responses', { text: 'same answer' });
  h.call = ws.artifact('runtime', 'tool_calls', { tool: 'search' });
  h.capsule = ws.artifact('runtime', 'run_capsules', { run: { run_id: 'A' } });
  ws.auditLog('runtime/logs/audit.jsonl', [
    { event_type: 'run_started', run_id: 'A', ts: '2025-01-01T00:00:00Z' },
    { event_type: 'provider_request_written', run_id: 'A', artifact_ref: `sha256:${h.reqA}`, ts: '2025-01-01T00:00:01Z' },
    { event_type: 'provider_response_written', run_id: 'A', artifact_ref: `sha256:${h.resp}`, ts: '2025-01-01T00:00:03Z' },
    { event_type: 'run_capsule_written', run_id: 'A', capsule_ref: `sha256:${h.capsule}`, ts: '2025-01-01T00:00:04Z' },
    { event_type: 'run_completed', run_id: 'A', ts: '2025-01-01T00:00:05Z' },
    { event_type: 'run_started', run_id: 'B', ts: '2025-01-01T01:00:00Z' },
    { event_type: 'provider_request_written', run_id: 'B', artifact_ref: `sha256:${h.reqB}`, ts: '2025-01-01T01:00:01Z' },
    { event_type: 'provider_response_written', run_id: 'B', artifact_ref: `sha256:${h.resp}`, ts: '2025-01-01T01:00:02Z' },
    { event_type: 'tool_call_written', run_id: 'B', tool_call_ref: `sha256:${h.call}`, ts: '2025-01-01T01:00:02.500Z' },
    { event_type: 'run_completed', run_id: 'B', ts: '2025-01-01T01:00:07Z' },
  ]);
  return h;
}

/** twoRuns written and indexed before the calling suite's tests, removed after them. */
export function indexedTwoRuns(prefix: string): { ws: Workspace; index: RefIndex; h: Record<string, string> } {
  const t = { ws: new Workspace(prefix), index: undefined as unknown as RefIndex, h: {} as Record<string, string> };
  before(async () => {
    t.h = twoRuns(t.ws);
    t.index = createIndex({ folders: [t.ws.dir] });
    await t.index.build();
  });
  after(async () => {
    await t.index?.close();
    t.ws.remove();
  });
  return t;
}
