// Refs printed in the integrated terminal (by `refscope verify`, an agent's own logs, grep) are
// links that open the artifact, found by the same scanner as everywhere else.
import * as vscode from 'vscode';
import { scanRefs } from '../shared/refs/scanner';
import { Commands } from './commandIds';

interface RefLink extends vscode.TerminalLink {
  ref: string;
}

export class RefTerminalLinkProvider implements vscode.TerminalLinkProvider<RefLink> {
  provideTerminalLinks(context: vscode.TerminalLinkContext): RefLink[] {
    return scanRefs(context.line)
      .filter((m) => !m.invalid && m.form !== 'bare')
      .map((m) => ({ startIndex: m.start, length: m.end - m.start, tooltip: 'Open artifact', ref: m.text }));
  }

  async handleTerminalLink(link: RefLink): Promise<void> {
    await vscode.commands.executeCommand(Commands.openArtifact, link.ref);
  }
}
