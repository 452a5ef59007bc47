// What agent-a reads, says and does: knowledge-base documents, answers per skill, and each
// tool's plausible inputs and outputs, so its artifacts look like a real agent's rather
// than placeholders.
import type { Prng } from './prng';


export const KB_DOCS = ['kb/networking/load-balancers.md', 'kb/auth/mfa-recovery.md', 'kb/billing/vat-eu.md', 'kb/webhooks/retries.md', 'kb/billing/refund-policy.md', 'eng/payments/idempotency.md', 'eng/payments/ledger.md'];

export const ANSWERS: Record<string, string[]> = {
  'support-triage': [
    'Likely cause: the EU pool lost two healthy backends after the 08:35 deploy. Route to Networking, severity 2, cite kb/networking/load-balancers.md#health-checks.',
    'Follow the MFA recovery runbook: verify identity with two factors on file, then issue a one-time recovery code. Do not disable MFA on the account.',
    'Owned by Billing Platform (VAT engine). Tagging ticket billing-vat and linking the known issue BILL-2291.',
  ],
  'code-review': [
    'Blocking: ULIDs sort by time, so the idempotency index changes from random to append-heavy; check the B-tree fill factor. Otherwise correct.',
    'Retrying on SQLITE_BUSY is right, but the retry must reuse the same ledger record hash or the chain forks. Requesting changes.',
    'Safe to remove: no traffic on /v1/charges for 90 days per the access logs. Approve once the SDK changelog lands.',
  ],
  'billing-refunds': [
    'Draft: refund the duplicate charge in full (policy 4.2, duplicate capture). Needs human approval before execution.',
    'Draft: decline the pro-rated refund (policy 3.1, annual plans are non-refundable after 30 days); offer a downgrade at renewal.',
  ],
};

export interface ToolExchange {
  input: Record<string, unknown>;
  output: Record<string, unknown>;
}

export function toolExchange(toolId: string, prng: Prng): ToolExchange {
  switch (toolId) {
    case 'kb.search':
      return {
        input: { query: prng.pick(['eu load balancer 502', 'mfa reset new phone', 'vat ireland invoice', 'webhook retry policy']), top_k: 5 },
        output: { hits: [{ doc: 'kb/networking/load-balancers.md', score: 0.87 }, { doc: 'kb/webhooks/retries.md', score: 0.61 }], took_ms: prng.int(8, 90) },
      };
    case 'tickets.update': {
      const ticket = `T-${prng.int(40000, 49999)}`;
      return { input: { ticket_id: ticket, status: 'triaged', labels: ['sev2', 'networking'] }, output: { ok: true, ticket_id: ticket, version: prng.int(2, 9) } };
    }
    case 'git.diff': {
      const pr = prng.int(1100, 1250);
      return {
        input: { repo: 'northwind/payments', base: 'main', head: `pr-${pr}` },
        output: { files_changed: prng.int(1, 14), insertions: prng.int(3, 420), deletions: prng.int(0, 260), patch_excerpt: '-  const key = uuidv4();\n+  const key = ulid();' },
      };
    }
    case 'fs.read':
      return {
        input: { path: prng.pick(['src/ledger/write.ts', 'src/idempotency/keys.ts', 'src/http/v1/charges.ts']), max_bytes: 65536 },
        output: { bytes: prng.int(800, 14000), truncated: false, encoding: 'utf-8' },
      };
    default: {
      const order = `77-${prng.int(1000, 9999)}`;
      return {
        input: { order_id: order },
        output: { order_id: order, currency: 'EUR', charges: [{ amount_cents: 4900, captured_at: '2026-11-18T10:02:11Z' }, { amount_cents: 4900, captured_at: '2026-11-18T10:02:13Z' }] },
      };
    }
  }
}
