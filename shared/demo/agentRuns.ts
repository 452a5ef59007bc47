// agent-a's runs: prompt + context -> request -> response -> output, often a tool call and
// its output (then sometimes a second turn that hands the tool's result back to the model,
// and a state delta, since acting changes the agent's state), the run capsule and sometimes
// an explain, every write announced in the hash-chained audit log in order. Runs follow
// each other minutes apart, and each starts from the state the previous one left, as a
// long-lived agent does.
import type { AgentConfig, Skill } from './agentConfig';
import type { ArtifactWriter, WrittenArtifact } from './artifactWriter';
import { sha256Hex } from './artifactWriter';
import type { AuditLogWriter } from './auditLog';
import { lineOf, tamperJsonArtifact, type FaultLog } from './faults';
import type { DemoClock, Prng } from './prng';
import { ANSWERS, KB_DOCS, toolExchange } from './agentContent';

export interface RunSummary {
  runId: string;
  skillId: string;
  startedAt: string;
  /** The run's first request. */
  request: WrittenArtifact;
  /** Its last request (the follow-up turn's, when there is one), and when it was written. */
  newestRequest: WrittenArtifact;
  newestRequestAt: string;
  capsule: WrittenArtifact;
  tool?: { call: WrittenArtifact; output: WrittenArtifact };
}

export interface RunsResult {
  runs: RunSummary[];
  auditEvents: number;
}

/** A digest no artifact, blob or event has: the target of the planted dangling ref. */
export const DANGLING_HEX = sha256Hex('refscope demo: evidence that was never written');

interface RunContext {
  writer: ArtifactWriter;
  audit: AuditLogWriter;
  clock: DemoClock;
  prng: Prng;
  config: AgentConfig;
  faults: FaultLog;
}

export function writeAgentRuns(ctx: RunContext, count: number): RunsResult {
  const { writer, clock } = ctx;
  let state = writer.writeJson('states', { schema: 'agent_state.v1', agent: 'agent-a', runs_completed: 0, last_run_id: null, last_tool: null, updated_at: clock.iso() });
  const runs: RunSummary[] = [];
  let auditEvents = 0;
  const brokenAt = Math.floor(count / 2);
  const tamperAt = Math.min(1, count - 1);
  for (let i = 0; i < count; i++) {
    clock.advance(ctx.prng.int(45, 240) + ctx.prng.int(0, 999) / 1000);
    const result = writeOneRun(ctx, i, state, { breakChain: i === brokenAt, tamperOutput: i === tamperAt, plantDangling: i === 0 });
    state = result.finalState;
    auditEvents += result.events;
    runs.push(result.summary);
  }
  return { runs, auditEvents };
}

interface RunFaults {
  breakChain: boolean;
  tamperOutput: boolean;
  plantDangling: boolean;
}

function writeOneRun(ctx: RunContext, index: number, initialState: WrittenArtifact, plant: RunFaults) {
  const { writer, audit, clock, prng, config, faults } = ctx;
  const skill: Skill = index < config.skills.length ? config.skills[index] : prng.pick(config.skills);
  const runId = prng.uuid();
  const turnId = `turn-${prng.hex(8)}`;
  const startedAt = clock.iso();
  // Every third run comes from an older runner that writes flat events instead of envelopes.
  const enveloped = index % 3 !== 2;
  let seq = 0;
  let events = 0;
  const emit = (eventType: string, fields: Record<string, unknown>, breakLink = false): number => {
    seq++;
    events++;
    const ts = clock.iso();
    const event = enveloped ? { run_id: runId, seq, ts, event: { event_type: eventType, ...fields } } : { event_type: eventType, run_id: runId, ts, ...fields };
    return breakLink ? audit.appendSkippingPrevious(event) : audit.append(event);
  };

  emit('run_started', { mode: 'live', agent: 'agent-a', skill_id: skill.id, initial_state_hash: initialState.hex });
  const question = prng.pick(skill.questions);
  const docs = [prng.pick(KB_DOCS), prng.pick(KB_DOCS)];
  clock.advance(0.2 + prng.int(0, 400) / 1000);
  // Only skills that answer from documents retrieve context; code review reads the diff instead.
  const context = skill.retrieval
    ? writer.writeJson('contexts', {
        schema: 'context.v1',
        run_id: runId,
        turn_id: turnId,
        created_at: clock.iso(),
        retrieval_config_ref: config.retrievalConfig.namespacedRef,
        policy_ref: config.contextPolicy.ref,
        query: question,
        chunks: docs.map((doc, k) => ({ doc, chunk: prng.int(0, 40), score: Math.round((0.91 - k * 0.17 - prng.int(0, 9) / 100) * 1000) / 1000 })),
      })
    : undefined;
  const prompt = config.prompts.get(skill.id)!;
  const maxTokens = skill.provider === 'llama.cpp' ? 512 : 1024;
  clock.advance(0.05);
  const requestAt = clock.iso();
  const request = writer.writeJson('requests', {
    schema: 'provider_request.v1',
    created_at: requestAt,
    run_id: runId,
    turn_id: turnId,
    provider: skill.provider,
    model: skill.model,
    ...(skill.modelSha256 ? { model_sha256: skill.modelSha256 } : {}),
    prompt_ref: prompt.ref,
    ...(context ? { context_ref: context.ref } : {}),
    messages: [
      { role: 'system', content: skill.system },
      { role: 'user', content: question },
    ],
    params: { temperature: 0.2, max_tokens: maxTokens },
    tools: skill.tools,
  });
  emit('provider_request_written', { artifact_ref: request.ref, request_hash: request.hex, provider: skill.provider, model: skill.model });

  // The first run of each skill always uses a tool, so even a small demo shows every tool shape.
  const wantsTool = index < config.skills.length || prng.chance(0.35);
  const toolId = prng.pick(skill.tools);
  const callId = `call_${prng.hex(24)}`;
  const promptTokens = prng.int(600, 3800);
  const completionTokens = prng.int(40, maxTokens - 1);
  clock.advance(0.6 + prng.int(0, 5200) / 1000);
  const output = writer.writeJson('outputs', {
    schema: 'model_output.v1',
    run_id: runId,
    turn_id: turnId,
    created_at: clock.iso(),
    role: 'assistant',
    content: prng.pick(ANSWERS[skill.id]),
    ...(wantsTool ? { tool_calls: [{ id: callId, name: toolId }] } : {}),
  });
  if (plant.tamperOutput) {
    tamperJsonArtifact(output.file, (v) => {
      v.content = 'Approved: refund issued in full, no human review needed.';
    });
    faults.add({ kind: 'tampered-artifact', file: output.file, ref: output.ref, what: `Output of run ${runId}: its content was edited after the runtime named it, so the bytes no longer hash to the name (mismatch).` });
  }
  const response = writer.writeJson('responses', {
    schema: 'provider_response.v1',
    created_at: clock.iso(),
    run_id: runId,
    turn_id: turnId,
    provider: skill.provider,
    model: skill.model,
    request_ref: request.ref,
    output_ref: output.ref,
    provider_response_id: skill.provider === 'anthropic' ? `msg_${prng.hex(24)}` : `chatcmpl-${prng.hex(29)}`,
    finish_reason: wantsTool ? 'tool_calls' : 'stop',
    latency_ms: prng.int(380, 6400),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  });
  const responseFields = { artifact_ref: response.ref, output_ref: output.ref, total_tokens: promptTokens + completionTokens };
  if (plant.breakChain) {
    const line = emit('provider_response_written', responseFields, true);
    faults.add({ kind: 'broken-chain', file: audit.file, line, what: "This record's prev_hash names the record two lines up, not the one just above (that line was slipped in later); records after it still chain to it." });
  } else {
    emit('provider_response_written', responseFields);
  }

  let tool: RunSummary['tool'];
  if (wantsTool) {
    const exchange = toolExchange(toolId, prng);
    clock.advance(0.02);
    const call = writer.writeJson('tool_calls', { schema: 'tool_call.v1', run_id: runId, turn_id: turnId, created_at: clock.iso(), tool_id: toolId, call_id: callId, requested_by_ref: output.ref, input: exchange.input });
    emit('tool_call_written', { tool_call_ref: call.ref, tool_id: toolId });
    clock.advance(0.1 + prng.int(0, 2500) / 1000);
    const toolOutput = writer.writeJson('tool_outputs', { schema: 'tool_output.v1', run_id: runId, turn_id: turnId, created_at: clock.iso(), tool_id: toolId, call_id: callId, tool_call_ref: call.ref, status: 'ok', duration_ms: prng.int(12, 2400), output: exchange.output });
    emit('tool_output_written', { artifact_ref: toolOutput.ref, tool_call_ref: call.ref, tool_id: toolId });
    tool = { call, output: toolOutput };
  }

  // Half the tool runs hand the tool's result back to the model for a final answer: a second turn.
  const turns = [{ turn_id: turnId, request_ref: request.ref, response_ref: response.ref, output_ref: output.ref }];
  let newestRequest = request;
  let newestRequestAt = requestAt;
  if (tool && (index === 0 || prng.chance(0.5))) {
    const followUp = writeFollowUpTurn(ctx, { runId, skill, prompt, context, firstResponse: response, callId, toolId, toolOutput: tool.output, maxTokens }, emit);
    turns.push({ turn_id: followUp.turnId, request_ref: followUp.request.ref, response_ref: followUp.response.ref, output_ref: followUp.output.ref });
    newestRequest = followUp.request;
    newestRequestAt = followUp.requestAt;
  }

  // The agent's state changes only when it acted through a tool; otherwise the run ends where it began.
  let finalState = initialState;
  let delta: WrittenArtifact | undefined;
  if (tool) {
    clock.advance(0.03);
    finalState = writer.writeJson('states', { schema: 'agent_state.v1', agent: 'agent-a', runs_completed: index + 1, last_run_id: runId, last_tool: toolId, updated_at: clock.iso() });
    delta = writer.writeJson('state_deltas', {
      schema: 'state_delta.v1',
      run_id: runId,
      created_at: clock.iso(),
      base_state_hash: initialState.hex,
      result_state_hash: finalState.hex,
      ops: [
        { op: 'replace', path: '/runs_completed', value: index + 1 },
        { op: 'replace', path: '/last_run_id', value: runId },
        { op: 'replace', path: '/last_tool', value: toolId },
      ],
    });
    emit('state_delta_written', { artifact_ref: delta.ref });
  }

  clock.advance(0.01);
  const capsule = writer.writeJson('run_capsules', {
    schema: 'run_capsule.v1',
    run: { run_id: runId, mode: 'live', agent: 'agent-a', started_at: startedAt, completed_at: clock.iso() },
    audit: { audit_head_hash: audit.head, log: 'logs/audit.jsonl', algo_version: 2 },
    state: { initial_state_hash: initialState.hex, final_state_hash: finalState.hex, ...(delta ? { delta_ref: delta.ref } : {}) },
    skill: { skill_id: skill.id, version: skill.version, tools: skill.tools },
    router: { route: skill.id, provider: skill.provider, model: skill.model, reason: 'skill default' },
    context: { prompt_template_refs: [config.templates.get(skill.id)!.namespacedRef], prompt_ref: prompt.ref, ...(context ? { context_ref: context.ref } : {}), snapshot_ref: config.snapshot.ref },
    turns,
    tool_io: tool ? [{ tool_id: toolId, input_ref: tool.call.ref, output_ref: tool.output.ref }] : [],
  });
  emit('run_capsule_written', { capsule_ref: capsule.ref });

  if (plant.plantDangling || prng.chance(0.2)) {
    clock.advance(0.4);
    const explain = writer.writeJson('explains', {
      schema: 'explain.v1',
      run_id: runId,
      created_at: clock.iso(),
      capsule_ref: capsule.ref,
      question: 'Why did the agent answer this way?',
      summary: `Skill ${skill.id} answered${context ? ` from ${docs[0]}` : ''}${tool ? ` after calling ${toolId}` : ''}.`,
      evidence: [request.ref, response.ref, output.ref, ...(tool ? [tool.output.ref] : [])],
      ...(plant.plantDangling ? { compared_with: `sha256:${DANGLING_HEX}` } : {}),
    });
    emit('explain_written', { capsule_ref: capsule.ref, explain_ref: explain.ref });
    if (plant.plantDangling) {
      faults.add({ kind: 'dangling-ref', file: explain.file, line: lineOf(explain.file, DANGLING_HEX), ref: `sha256:${DANGLING_HEX}`, what: 'The explain compares against a baseline (`compared_with`) whose digest exists nowhere: no artifact, blob, event or deletion record.' });
    }
  }
  clock.advance(0.02);
  emit('run_completed', { status: 'succeeded', duration_ms: clock.epochMs - Date.parse(startedAt) });

  return { finalState, events, summary: { runId, skillId: skill.id, startedAt, request, newestRequest, newestRequestAt, capsule, tool } };
}

interface FollowUp {
  runId: string;
  skill: Skill;
  prompt: WrittenArtifact;
  context: WrittenArtifact | undefined;
  firstResponse: WrittenArtifact;
  callId: string;
  toolId: string;
  toolOutput: WrittenArtifact;
  maxTokens: number;
}

/** The second turn of a tool run: the tool's output goes back to the model, which answers. */
function writeFollowUpTurn(ctx: RunContext, f: FollowUp, emit: (eventType: string, fields: Record<string, unknown>) => number) {
  const { writer, clock, prng } = ctx;
  const turnId = `turn-${prng.hex(8)}`;
  clock.advance(0.05);
  const requestAt = clock.iso();
  const request = writer.writeJson('requests', {
    schema: 'provider_request.v1',
    created_at: requestAt,
    run_id: f.runId,
    turn_id: turnId,
    provider: f.skill.provider,
    model: f.skill.model,
    ...(f.skill.modelSha256 ? { model_sha256: f.skill.modelSha256 } : {}),
    prompt_ref: f.prompt.ref,
    ...(f.context ? { context_ref: f.context.ref } : {}),
    previous_response_ref: f.firstResponse.ref,
    messages: [
      { role: 'assistant', tool_calls: [{ id: f.callId, name: f.toolId }] },
      { role: 'tool', tool_call_id: f.callId, content_ref: f.toolOutput.ref },
    ],
    params: { temperature: 0.2, max_tokens: f.maxTokens },
  });
  emit('provider_request_written', { artifact_ref: request.ref, request_hash: request.hex, provider: f.skill.provider, model: f.skill.model });
  const promptTokens = prng.int(900, 4200);
  const completionTokens = prng.int(60, f.maxTokens - 1);
  clock.advance(0.5 + prng.int(0, 3000) / 1000);
  const output = writer.writeJson('outputs', { schema: 'model_output.v1', run_id: f.runId, turn_id: turnId, created_at: clock.iso(), role: 'assistant', content: prng.pick(ANSWERS[f.skill.id]) + ` (checked with ${f.toolId})` });
  const response = writer.writeJson('responses', {
    schema: 'provider_response.v1',
    created_at: clock.iso(),
    run_id: f.runId,
    turn_id: turnId,
    provider: f.skill.provider,
    model: f.skill.model,
    request_ref: request.ref,
    output_ref: output.ref,
    finish_reason: 'stop',
    latency_ms: prng.int(380, 5200),
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  });
  emit('provider_response_written', { artifact_ref: response.ref, output_ref: output.ref, total_tokens: promptTokens + completionTokens });
  return { turnId, request, requestAt, response, output };
}
