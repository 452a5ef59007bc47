// "Refscope: Export Trace…": the trace in the Trace view (or one traced for the ref given) as
// OTLP/JSON or Perfetto JSON, saved where the user chooses. Refs and metadata only.
import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { TraceRequest, type TraceResult } from '../../shared/protocol';
import { traceToOtlp } from '../../shared/trace/otlp';
import { traceToPerfetto } from '../../shared/trace/perfetto';
import type { TraceTreeProvider } from '../views/traceView';
import { pickOne } from './stepPick';
import { runFromArgument } from './traceRun';

export type ExportFormat = 'otlp' | 'perfetto';

export function exportText(trace: TraceResult, format: ExportFormat): string {
  return JSON.stringify(format === 'otlp' ? traceToOtlp(trace) : traceToPerfetto(trace)) + '\n';
}

function fileName(trace: TraceResult, format: ExportFormat): string {
  const base = (trace.runId ?? trace.root).replace(/^sha256:/, '').replace(/[^\w.-]+/g, '_').slice(0, 40);
  return `${base}${format === 'otlp' ? '.otlp.json' : '.perfetto.json'}`;
}

/** `arg` may name a ref or run to trace; `format` and `target` skip the questions (tests, other commands). */
export async function exportTrace(client: LanguageClient, view: TraceTreeProvider, arg?: unknown, format?: ExportFormat, target?: vscode.Uri): Promise<vscode.Uri | undefined> {
  const ref = runFromArgument(arg);
  const trace = ref ? await client.sendRequest(TraceRequest.type, { ref }) : view.current;
  if (!trace) {
    void vscode.window.showInformationMessage('Trace a request or a run first: the export is of the trace on display.');
    return undefined;
  }
  if (trace.error) {
    void vscode.window.showWarningMessage(`Cannot export ${trace.root}: ${trace.error}`);
    return undefined;
  }
  const chosen =
    format ??
    (await pickOne<ExportFormat>(
      { title: 'Export Trace', placeHolder: 'Format' },
      () => [
        { label: 'OTLP/JSON', description: 'OpenTelemetry file exporter format (Jaeger, Grafana Tempo, Phoenix…)', value: 'otlp' },
        { label: 'Perfetto JSON', description: 'Chrome trace-event format (ui.perfetto.dev, chrome://tracing)', value: 'perfetto' },
      ],
      'No export format.',
    ));
  if (!chosen) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const uri =
    target ??
    (await vscode.window.showSaveDialog({
      title: 'Export Trace',
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName(trace, chosen)) : undefined,
      filters: { JSON: ['json'] },
    }));
  if (!uri) return undefined;
  await vscode.workspace.fs.writeFile(uri, Buffer.from(exportText(trace, chosen), 'utf8'));
  return uri;
}
