// The server's connection over stdin/stdout, reading message bodies the cheap way.
// vscode-languageserver makes this connection itself from `--stdio`, but it decodes every
// body as UTF-8 before JSON.parse: for the 10 MB didOpen of an agent's log that was ~40 ms of
// CPU of the ~100 ms the server spent on the message. A body that is all ASCII (nearly every
// message, logs included, since JSON escapes what it must) reads the same as Latin-1, which
// is a plain copy into a one-byte string; any other body is decoded as UTF-8, as before. The
// library still frames the messages: it joins a body's chunks once, whole, before decoding,
// so a character split across chunks is never decoded in halves.
import { isAscii } from 'node:buffer';
import type { Writable } from 'node:stream';
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
  type ResponseMessage,
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
 * Elements of a long array result serialised at a time: a references answer of 100k locations
 * is 14 MB of JSON, which as one string, its UTF-8 bytes and those bytes framed was three 14 MB
 * copies at once, the string and one copy left for the next full GC (five such answers took the
 * server from 225 to 379 MB). In pieces, each piece's string dies young and only its bytes are kept
 * until written.
 */
const PIECE_ELEMENTS = 1000;

/**
 * Writes each message, header and body, with one write. The library's writer writes the
 * header, waits for it to be written and then writes the body: on Linux a write to a pipe
 * is synchronous, so that was two system calls per hover answer (writes were ~40% of the
 * server's CPU over 500 hovers), and a turn of the event loop between them. A response whose
 * result is a long array goes out in pieces (PIECE_ELEMENTS), corked into one vectored write.
 */
export class FramedWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(private readonly out: Writable) {
    super();
    out.on('error', (err) => this.fireError(err));
    out.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    const body = bodyPieces(message);
    const length = body.reduce((n, piece) => n + piece.length, 0);
    const header = Buffer.from(`Content-Length: ${length}\r\n\r\n`, 'ascii');
    return new Promise((resolve, reject) => {
      const written = (err?: Error | null) => {
        if (!err) return resolve();
        this.fireError(err, message, ++this.errors);
        reject(err);
      };
      if (body.length === 1) return void this.out.write(Buffer.concat([header, body[0]]), written);
      this.out.cork();
      this.out.write(header);
      for (let i = 0; i < body.length - 1; i++) this.out.write(body[i]);
      this.out.write(body[body.length - 1], written);
      this.out.uncork();
    });
  }

  end(): void {
    this.out.end();
  }
}

/**
 * The message's JSON as UTF-8, in pieces whose concatenation is JSON.stringify(message): one piece,
 * or for a response whose result is an array longer than PIECE_ELEMENTS, the response around the
 * result and the result's elements PIECE_ELEMENTS at a time.
 */
export function bodyPieces(message: Message): Buffer[] {
  if (!Message.isResponse(message) || !Array.isArray(message.result) || message.result.length <= PIECE_ELEMENTS) return [Buffer.from(JSON.stringify(message), 'utf8')];
  // With the result last and empty, the response's JSON ends with `[]}`: the elements go between the brackets.
  const { result, ...rest } = message as ResponseMessage & { result: unknown[] };
  const around = JSON.stringify({ ...rest, result: [] });
  const pieces = [Buffer.from(around.slice(0, -2), 'utf8')];
  for (let i = 0; i < result.length; i += PIECE_ELEMENTS) {
    // Read one index at a time (no slice): the result may make its elements as they are read (packedLocations).
    const page: unknown[] = [];
    for (let j = i; j < Math.min(i + PIECE_ELEMENTS, result.length); j++) page.push(result[j]);
    const elements = JSON.stringify(page);
    pieces.push(Buffer.from(`${i ? ',' : ''}${elements.slice(1, -1)}`, 'utf8'));
  }
  pieces.push(Buffer.from(around.slice(-2), 'utf8'));
  return pieces;
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
