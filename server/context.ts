// What every handler shares: the connection, the open documents, the language features
// over the index, the index host and the current settings.
import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { RefscopeService } from './services/refscopeService';
import type { IndexHost } from './session/indexHost';
import type { ServerSettings } from './session/settings';

export interface ServerContext {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  /** The language features over the index (hover, definition, references, diagnostics, ...). */
  service: RefscopeService;
  host: IndexHost;
  /** The current `refscope.*` settings (replaced when the client's configuration changes). */
  settings: ServerSettings;
  /** The workspace folders' paths (the first one anchors relative state dirs). */
  folders: string[];
  /** The client said the workspace is trusted: pulls and GC may change the model store. */
  trusted: boolean;
  /** The client accepts server-initiated work-done progress. */
  clientProgress: boolean;
  /** Discover and index again with the current settings (the persisted index spares unchanged files). */
  restartIndex(): Promise<void>;
  log(message: string): void;
}
