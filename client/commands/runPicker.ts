// Runs picked from the Run Capsules list, newest first, one step after another in a single quick
// pick that stays open between the steps. VS Code gives the focus back to the editor when a pick
// closes, and a webview editor (the timeline, the provenance graph) takes it asynchronously:
// after the next pick has opened, which then closed on losing it (microsoft/vscode#93950).
// Compare Runs' second pick vanished that way when run with the timeline in front. The pick also
// stays open on a focus loss, for the same race between the command palette closing and the
// first step opening; Escape still dismisses it.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { RunsRequest, type RunEntry } from '../../shared/protocol';
import { formatTime, newestFirst, shortRef } from '../views/format';

/** What names a run to the server: its run id where the entry has one, else its ref. */
export function runRef(entry: RunEntry): string {
  return entry.runId ?? entry.ref;
}

export interface RunPickStep {
  /** The step's title; a function of the runs picked in the steps before it. */
  title: string | ((picked: readonly string[]) => string);
  placeHolder: string;
}

interface RunItem extends vscode.QuickPickItem {
  run: string;
}

function runItem(r: RunEntry): RunItem {
  return { label: r.runId ?? shortRef(r.ref), description: [r.mode, formatTime(r.time)].filter(Boolean).join(' · '), detail: r.ref, run: runRef(r) };
}

/**
 * One run per step, each step leaving out the runs picked before it and `exclude`; undefined when
 * the pick is dismissed or a step has no run left to offer.
 */
export async function pickRuns(client: LanguageClient, steps: RunPickStep[], exclude?: string): Promise<string[] | undefined> {
  const pick = vscode.window.createQuickPick<RunItem>();
  pick.ignoreFocusOut = true;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  const picked: string[] = [];
  const title = () => {
    const t = steps[picked.length].title;
    return typeof t === 'string' ? t : t(picked);
  };
  pick.title = title();
  pick.placeholder = steps[0].placeHolder;
  // Open at once, busy while the runs load: the palette's focus hand-back races a later open.
  pick.busy = true;
  pick.show();
  try {
    const runs = newestFirst(await client.sendRequest(RunsRequest.type, {})).filter((r) => runRef(r) !== exclude);
    return await new Promise<string[] | undefined>((resolve) => {
      const offer = (): boolean => {
        const left = runs.filter((r) => !picked.includes(runRef(r)));
        if (!left.length) {
          void vscode.window.showInformationMessage(picked.length ? 'No other run to pick.' : 'No runs in this workspace yet.');
          resolve(undefined);
          return false;
        }
        pick.title = title();
        pick.placeholder = steps[picked.length].placeHolder;
        pick.value = '';
        pick.items = left.map(runItem);
        pick.busy = false;
        return true;
      };
      pick.onDidHide(() => resolve(undefined));
      pick.onDidAccept(() => {
        const item = pick.selectedItems[0] ?? pick.activeItems[0];
        if (!item) return;
        picked.push(item.run);
        if (picked.length === steps.length) resolve(picked);
        else offer();
      });
      offer();
    });
  } finally {
    pick.dispose();
  }
}
