// What every handler shares: the connection, the open documents (and their scanned refs),
// and the index host.
import type { Connection, TextDocuments } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import type { IndexHost } from './session/indexHost';
import type { DocumentRefs } from './session/documentRefs';

export interface ServerContext {
  connection: Connection;
  documents: TextDocuments<TextDocument>;
  refs: DocumentRefs;
  host: IndexHost;
  log(message: string): void;
}
