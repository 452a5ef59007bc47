// The server's connection over stdin/stdout, reading message bodies the cheap way.
// vscode-languageserver makes this connection itself from `--stdio`, but it decodes every
// body as UTF-8 before JSON.parse: for the 10 MB didOpen of an agent's log that was ~40 ms of
// CPU of the ~100 ms the server spent on the message. A body that is all ASCII (nearly every
// message, logs included, since JSON escapes what it must) reads the same as Latin-1, which
// is a plain copy into a one-byte string; any other body is decoded as UTF-8, as before. The
// library still frames the messages: it joins a body's chunks once, whole, before decoding,
// so a character split across chunks is never decoded in halves.
import { isAscii } from 'node:buffer';
import { format } from 'node:util';
import {
  AbstractMessageWriter,
  createConnection,
  Message,
  type MessageStrategy,
  ProposedFeatures,
  ShutdownRequest,
  StreamMessageReader,
  type Connection,
  type ContentTypeDecoder,
  type DataCallback,
  type Disposable,
  type MessageWriter,
} from 'vscode-languageserver/node';
import { waitForMessages } from '../shared/index/timeSlices';

/** JSON-RPC bodies as JSON, ASCII ones read as Latin-1 (the same characters, no decoding). */
export const jsonBodyDecoder: ContentTypeDecoder = {
  name: 'application/json',
  decode(bytes) {
    try {
      const body = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return Promise.resolve(JSON.parse(body.toString(isAscii(body) ? 'latin1' : 'utf8')) as Message);
    } catch (err) {
      return Promise.reject(err);
    }
  },
};

/**
 * Notes whether the client asked to shut down, which decides the exit code when stdin ends, and
 * counts the messages read and not yet handled (see messageStrategy).
 */
class StdinReader extends StreamMessageReader {
  shutdownAsked = false;
  waiting = 0;

  constructor() {
    super(process.stdin, { contentTypeDecoder: jsonBodyDecoder });
  }

  override listen(callback: DataCallback): Disposable {
    return super.listen((message) => {
      if (Message.isRequest(message) && message.method === ShutdownRequest.method) this.shutdownAsked = true;
      if (queued(message)) this.waiting++;
      callback(message);
    });
  }
}

/**
 * Whether the connection queues the message to be handled in turn: all but a cancellation, which
 * it may act on as it is read (cancelling a running request) without queueing it.
 */
function queued(message: Message): boolean {
  return !(Message.isNotification(message) && message.method === CANCEL_METHOD);
}

/** vscode-jsonrpc's CancelNotification, which it does not export. */
const CANCEL_METHOD = '$/cancelRequest';

/** Counts down `reader.waiting` as the connection takes each queued message from its queue, one per turn of the event loop. */
function messageStrategy(reader: StdinReader): MessageStrategy {
  return {
    handleMessage(message, next) {
      if (queued(message)) reader.waiting--;
      return next(message);
    },
  };
}

/**
 * Writes each message, header and body, with one write. The library's writer writes the
 * header, waits for it to be written and then writes the body: on Linux a write to a pipe
 * is synchronous, so that was two system calls per hover answer (writes were ~40% of the
 * server's CPU over 500 hovers), and a turn of the event loop between them.
 */
export class FramedWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly out: NodeJS.WritableStream) {
    super();
    out.on('error', (err) => this.fireError(err));
    out.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    const body = Buffer.from(JSON.stringify(message), 'utf8');
    const framed = Buffer.concat([Buffer.from(`Content-Length: ${body.length}\r\n\r\n`, 'ascii'), body]);
    return new Promise((resolve, reject) => {
      this.out.write(framed, (err) => {
        if (!err) return resolve();
        this.fireError(err, message, ++this.errors);
        reject(err);
      });
    });
  }

  end(): void {
    this.out.end();
  }
}

/**
 * A connection over stdio with `jsonBodyDecoder` and `FramedWriter`. Given its own reader and writer the library
 * skips two things it does for `--stdio`, so they are done here: console output goes to the
 * client's log (written to stdout it would corrupt the protocol), and the process exits when
 * the client closes stdin (0 after a shutdown request, as the protocol asks, else 1).
 */
export function createStdioConnection(): Connection {
  const reader = new StdinReader();
  const connection = createConnection(ProposedFeatures.all, reader, new FramedWriter(process.stdout), { messageStrategy: messageStrategy(reader) });
  // Time-sliced work (an update, a save) gives way to the messages read as soon as it pauses.
  waitForMessages(() => reader.waiting > 0);
  const exit = () => process.exit(reader.shutdownAsked ? 0 : 1);
  process.stdin.on('end', exit);
  process.stdin.on('close', exit);
  const toLog = (write: (message: string) => void) => (...args: unknown[]) => write(format(...args));
  console.log = console.info = console.debug = toLog((m) => connection.console.log(m));
  console.warn = toLog((m) => connection.console.warn(m));
  console.error = toLog((m) => connection.console.error(m));
  return connection;
}
