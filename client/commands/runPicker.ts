// Runs picked from the Run Capsules list, newest first, one step after another in a single quick
// pick that stays open between the steps (see stepPick.ts for why).
import type { LanguageClient } from 'vscode-languageclient/node';
import { RunsRequest, type RunEntry } from '../../shared/protocol';
import { formatTime, newestFirst, shortRef } from '../views/format';
import { pickInSteps, type Choice, type PickStep } from './stepPick';

/** What names a run to the server: its run id where the entry has one, else its ref. */
export function runRef(entry: RunEntry): string {
  return entry.runId ?? entry.ref;
}

export type RunPickStep = PickStep<string>;

function runChoice(r: RunEntry): Choice<string> {
  return { label: r.runId ?? shortRef(r.ref), description: [r.mode, formatTime(r.time)].filter(Boolean).join(' · '), detail: r.ref, value: runRef(r) };
}

/**
 * One run per step, each step leaving out the runs picked before it and `exclude`; undefined when
 * the pick is dismissed or a step has no run left to offer.
 */
export function pickRuns(client: LanguageClient, steps: RunPickStep[], exclude?: string): Promise<string[] | undefined> {
  return pickInSteps(
    steps,
    async () => newestFirst(await client.sendRequest(RunsRequest.type, {})).filter((r) => runRef(r) !== exclude).map(runChoice),
    (pickedSoFar) => (pickedSoFar ? 'No other run to pick.' : 'No runs in this workspace yet.'),
  );
}
