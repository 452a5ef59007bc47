// A quick pick for the command palette's commands: one pick that opens at once and stays open
// from step to step. VS Code gives the focus back to the editor when a pick closes, and a webview
// editor (the timeline, the provenance graph) takes it asynchronously: after the next pick has
// opened, which then closed on losing it (microsoft/vscode#93950). Compare Runs' second pick
// vanished that way when run with the timeline in front. The pick is opened before its choices
// load (busy meanwhile) and stays open on a focus loss, for the same race between the command
// palette closing and the first step opening; Escape still dismisses it.
import * as vscode from 'vscode';

export interface PickStep<T> {
  /** The step's title; a function of the values picked in the steps before it. */
  title: string | ((picked: readonly T[]) => string);
  placeHolder: string;
}

export interface Choice<T> extends vscode.QuickPickItem {
  value: T;
}

/**
 * One value per step, each step leaving out the values picked before it; undefined when the pick
 * is dismissed or a step has nothing left to offer (then `nothingLeft` says so to the user).
 */
export async function pickInSteps<T>(
  steps: readonly PickStep<T>[],
  choices: () => Promise<Choice<T>[]> | Choice<T>[],
  nothingLeft: (pickedSoFar: number) => string,
): Promise<T[] | undefined> {
  const pick = vscode.window.createQuickPick<Choice<T>>();
  pick.ignoreFocusOut = true;
  pick.matchOnDescription = true;
  pick.matchOnDetail = true;
  const picked: T[] = [];
  const title = () => {
    const t = steps[picked.length].title;
    return typeof t === 'string' ? t : t(picked);
  };
  pick.title = title();
  pick.placeholder = steps[0].placeHolder;
  pick.busy = true;
  pick.show();
  try {
    const all = await choices();
    return await new Promise<T[] | undefined>((resolve) => {
      const offer = (): void => {
        const left = all.filter((c) => !picked.includes(c.value));
        if (!left.length) {
          void vscode.window.showInformationMessage(nothingLeft(picked.length));
          resolve(undefined);
          return;
        }
        pick.title = title();
        pick.placeholder = steps[picked.length].placeHolder;
        pick.value = '';
        pick.items = left;
        pick.busy = false;
      };
      pick.onDidHide(() => resolve(undefined));
      pick.onDidAccept(() => {
        const item = pick.selectedItems[0] ?? pick.activeItems[0];
        if (!item) return;
        picked.push(item.value);
        if (picked.length === steps.length) resolve(picked);
        else offer();
      });
      offer();
    });
  } finally {
    pick.dispose();
  }
}

/** One value from a single-step pick made the same way. */
export async function pickOne<T>(step: PickStep<T>, choices: () => Promise<Choice<T>[]> | Choice<T>[], nothingToPick: string): Promise<T | undefined> {
  return (await pickInSteps([step], choices, () => nothingToPick))?.[0];
}
