// Language server entry: create the connection, build the services, listen.
import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';

export function startServer(): void {
  const connection = createConnection(ProposedFeatures.all);
  connection.onInitialize(() => ({ capabilities: {} }));
  connection.listen();
}
