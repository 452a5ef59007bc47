// The configuration agent-a runs under, written once as artifacts before any run: prompt
// templates (a namespaced kind), a nested `retrieval/configs` artifact, one rendered
// prompt per skill, a context policy (stored pretty-printed: the `canonical` state) and
// the snapshot that bundles them all by ref for replay.
import type { ArtifactWriter, WrittenArtifact } from './artifactWriter';
import type { FaultLog } from './faults';
import type { DemoClock } from './prng';

export interface Skill {
  id: string;
  version: string;
  provider: string;
  model: string;
  /** Digest of the local model blob, for skills served from the model store. */
  modelSha256?: string;
  /** Answers from retrieved documents (writes a `contexts` artifact per run). */
  retrieval: boolean;
  tools: string[];
  questions: string[];
  system: string;
}

export interface AgentConfig {
  skills: Skill[];
  templates: Map<string, WrittenArtifact>;
  prompts: Map<string, WrittenArtifact>;
  retrievalConfig: WrittenArtifact;
  contextPolicy: WrittenArtifact;
  snapshot: WrittenArtifact;
}

export function demoSkills(localModelSha256: string): Skill[] {
  return [
    {
      id: 'support-triage',
      version: '3.2.0',
      provider: 'openai',
      model: 'gpt-4.1-mini-2025-04-14',
      retrieval: true,
      tools: ['kb.search', 'tickets.update'],
      system: 'You are the support triage agent for Northwind Cloud. Classify the ticket, cite the knowledge base, and never promise refunds.',
      questions: [
        'Customer reports 502 errors on the EU load balancer since 08:40 UTC. What is the likely cause?',
        'A user cannot reset MFA after changing phones. What steps do we take?',
        'Ticket #48213: invoices show double VAT for Ireland. Which team owns this?',
        'Is the webhook retry policy documented anywhere? Customer says retries stop after 3.',
      ],
    },
    {
      id: 'code-review',
      version: '1.7.4',
      provider: 'anthropic',
      model: 'claude-sonnet-4-5-20250929',
      retrieval: false,
      tools: ['git.diff', 'fs.read'],
      system: 'You review pull requests for the payments service. Flag correctness and security issues first; style last.',
      questions: [
        'Review PR #1182: switch idempotency keys from UUIDv4 to ULID.',
        'Review PR #1190: retry ledger writes on SQLITE_BUSY.',
        'Review PR #1201: drop the legacy /v1/charges endpoint.',
      ],
    },
    {
      id: 'billing-refunds',
      version: '0.9.1',
      provider: 'llama.cpp',
      model: 'qwen2.5-7b-instruct-q4_k_m',
      modelSha256: localModelSha256,
      retrieval: true,
      tools: ['billing.lookup'],
      system: 'You draft refund decisions for human approval. Quote the policy clause you rely on.',
      questions: [
        'Order 77-3120 was charged twice on 2026-11-18. Draft a refund decision.',
        'Customer on the annual plan wants a pro-rated refund after 5 months.',
        'Kundin schreibt: „Bestellung 77-3120 wurde doppelt abgebucht (2 × 49 €)“. Rückerstattung möglich?',
      ],
    },
  ];
}

export function writeAgentConfig(writer: ArtifactWriter, clock: DemoClock, skills: Skill[], models: { id: string; sha256: string }[], faults: FaultLog): AgentConfig {
  const createdAt = clock.iso();
  const templates = new Map<string, WrittenArtifact>();
  const prompts = new Map<string, WrittenArtifact>();
  for (const skill of skills) {
    const template = writer.writeJson('prompt_templates', {
      schema: 'prompt_template.v1',
      name: skill.id,
      version: skill.version,
      template: `${skill.system}\n\nContext:\n{{context}}\n\nQuestion: {{question}}`,
      variables: ['context', 'question'],
      created_at: createdAt,
    });
    templates.set(skill.id, template);
    prompts.set(
      skill.id,
      writer.writeJson('prompts', {
        schema: 'prompt.v1',
        skill_id: skill.id,
        template_ref: template.namespacedRef,
        system: skill.system,
        tools: skill.tools,
        created_at: createdAt,
      }),
    );
  }
  const retrievalConfig = writer.writeJson('retrieval/configs', {
    schema: 'retrieval_config.v1',
    index: 'kb-docs-2026-11',
    embedding_model: 'text-embedding-3-small',
    reranker: 'bge-reranker-v2-m3',
    top_k: 8,
    min_score: 0.35,
    created_at: createdAt,
  });
  const contextPolicy = writer.writePrettyJson('context_policies', {
    schema: 'context_policy.v1',
    max_context_tokens: 12000,
    redact: ['email', 'iban', 'api_key'],
    sensitivity_floor: 'internal',
    created_at: createdAt,
  });
  faults.add({
    kind: 'canonical-bytes',
    fault: false,
    file: contextPolicy.file,
    ref: contextPolicy.ref,
    what: 'Pretty-printed by a later tool: the bytes differ from the name, but the canonical re-serialisation hashes to it (verification state `canonical`, not a mismatch).',
  });
  const snapshot = writer.writeJson('snapshots', {
    schema: 'config_snapshot.v1',
    created_at: createdAt,
    agent: 'agent-a',
    prompts: Object.fromEntries(skills.map((s) => [s.id, prompts.get(s.id)!.ref])),
    prompt_templates: skills.map((s) => templates.get(s.id)!.namespacedRef),
    recipes: { retrieval: retrievalConfig.namespacedRef, context_policy_ref: contextPolicy.ref },
    policies: { context_policy_sha256: contextPolicy.hex, tool_allowlist: skills.flatMap((s) => s.tools).sort() },
    models: models.map((m) => ({ id: m.id, sha256: m.sha256 })),
    versions: { runtime: '0.14.2', router: '2.3.0', audit_algo: 2, skills: Object.fromEntries(skills.map((s) => [s.id, s.version])) },
  });
  return { skills, templates, prompts, retrievalConfig, contextPolicy, snapshot };
}
