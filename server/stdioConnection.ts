// The server's connection over stdin/stdout, reading and writing messages the cheap way.
// vscode-languageserver makes this connection itself from `--stdio`, but its reader keeps a
// body's chunks until the body is complete, joins them into one more copy, and decodes every
// body as UTF-8 before JSON.parse: for the 10 MB didOpen of an agent's log that was ~40 ms of
// CPU of the ~100 ms the server spent on the message, and 20 MB of buffers at once (the chunks
// outlived two young collections while the body came in, so they stayed until a full one). Here
// a body longer than its chunk is copied into a buffer of its own size as it arrives, each chunk
// dropped once copied, and that buffer is given back as soon as it is decoded (releaseBuffer). A
// body that is all ASCII (nearly every message, logs included, since JSON escapes what it must)
// reads the same as Latin-1, which is a plain copy into a one-byte string; any other body is
// decoded as UTF-8, whole, so a character split across chunks is never decoded in halves.
import { isAscii } from 'node:buffer';
import type { Readable, Writable } from 'node:stream';
import { format } from 'node:util';
import {
  AbstractMessageReader,
  AbstractMessageWriter,
  createConnection,
  Message,
  type MessageStrategy,
  ProposedFeatures,
  ShutdownRequest,
  type Connection,
  type DataCallback,
  type Disposable,
  type MessageReader,
  type MessageWriter,
  type ResponseMessage,
} from 'vscode-languageserver/node';
import { collectYoungGarbage } from '../shared/heapGrowth';
import { waitForMessages } from '../shared/index/timeSlices';
import { releaseBuffer } from '../shared/releaseBuffer';

const HEADER_END = Buffer.from('\r\n\r\n', 'ascii');
/**
 * Bytes of chunks copied into a body between two young-generation collections: V8 frees them
 * only at a scavenge, which array buffers trigger after 16 MB and more of them, so a 10 MB
 * didOpen held its chunks, its body, the body's text and the parsed document at once (+43 MB
 * over the server's ~225 at 100k artifacts).
 */
const CHUNKS_PER_COLLECTION = 4 * 1024 * 1024;
/** A body from this size up is collected after as well as during its arrival (smaller ones, a few a second at most, are left to V8). */
const LARGE_BODY = 1024 * 1024;
const CONTENT_LENGTH = /^content-length:[ \t]*(\d+)[ \t]*\r?$/im;

/** A body's text: ASCII read as Latin-1 (the same characters, no decoding), anything else as UTF-8. */
function decoded(body: Buffer): string {
  return body.toString(isAscii(body) ? 'latin1' : 'utf8');
}

/**
 * Messages framed as LSP frames them (headers, a blank line, `Content-Length` bytes of JSON),
 * read from `input`. A body within one chunk is decoded from the chunk; a longer one is copied
 * into a buffer of its own as its chunks arrive. A header without a length, or a body that is
 * not JSON, is reported as an error, and reading goes on with the next message.
 */
export class FramedReader extends AbstractMessageReader implements MessageReader {
  /** Bytes of a header not yet complete (a chunk may end inside one). */
  private head: Buffer | undefined;
  /** The body being filled, and how much of it is. */
  private body: Buffer | undefined;
  private filled = 0;
  /** Bytes of chunks copied since the last young-generation collection. */
  private copied = 0;
  private callback: DataCallback = () => undefined;

  constructor(private readonly input: Readable) {
    super();
  }

  listen(callback: DataCallback): Disposable {
    this.callback = callback;
    const onData = (chunk: Buffer) => {
      try {
        this.take(chunk);
      } catch (err) {
        // A body too large to allocate: reported, as the library's reader reports what it cannot read.
        this.body = undefined;
        this.fireError(err);
      }
    };
    const onError = (err: Error) => this.fireError(err);
    const onClose = () => this.fireClose();
    this.input.on('data', onData);
    this.input.on('error', onError);
    this.input.on('close', onClose);
    return {
      dispose: () => {
        this.input.off('data', onData);
        this.input.off('error', onError);
        this.input.off('close', onClose);
      },
    };
  }

  private take(chunk: Buffer): void {
    let data = chunk;
    if (this.head) {
      data = Buffer.concat([this.head, chunk]);
      this.head = undefined;
    }
    let at = 0;
    while (at < data.length) {
      if (this.body) {
        const n = Math.min(this.body.length - this.filled, data.length - at);
        data.copy(this.body, this.filled, at, at + n);
        this.filled += n;
        at += n;
        this.copied += n;
        if (this.copied >= CHUNKS_PER_COLLECTION) {
          this.copied = 0;
          collectYoungGarbage();
        }
        if (this.filled === this.body.length) {
          const body = this.body;
          this.body = undefined;
          this.deliver(body, true);
        }
        continue;
      }
      const end = data.indexOf(HEADER_END, at);
      if (end < 0) {
        // A copy: holding a slice would hold the whole chunk.
        this.head = Buffer.from(data.subarray(at));
        return;
      }
      const header = data.toString('latin1', at, end);
      at = end + HEADER_END.length;
      const length = CONTENT_LENGTH.exec(header)?.[1];
      if (length === undefined) {
        this.fireError(new Error(`Header must provide a Content-Length property.\n${header}`));
        continue;
      }
      const size = Number(length);
      if (data.length - at >= size) {
        this.deliver(data.subarray(at, at + size), false);
        at += size;
      } else {
        this.body = Buffer.allocUnsafeSlow(size);
        this.filled = 0;
      }
    }
  }

  /**
   * Decodes `body` and hands its message on; `own`: a buffer of this reader's, given back once
   * decoded, with the chunks copied into it, before the text is parsed into a second copy.
   */
  private deliver(body: Buffer, own: boolean): void {
    const large = own && body.length >= LARGE_BODY;
    let message: Message;
    try {
      message = JSON.parse(large ? this.decodedLarge(body) : decoded(body)) as Message;
    } catch (err) {
      this.fireError(err);
      return;
    } finally {
      if (own) releaseBuffer(body);
    }
    // The body's text (a copy as large as the body) is garbage now the message is made.
    if (large) setImmediate(collectYoungGarbage);
    try {
      this.callback(message);
    } catch (err) {
      // Not this reader's: reported, and the rest of the chunk is read on.
      this.fireError(err);
    }
  }

  /** A large body's text, the body given back and collected with the chunks copied into it before the text is parsed into a second copy. */
  private decodedLarge(body: Buffer): string {
    const text = decoded(body);
    releaseBuffer(body);
    this.copied = 0;
    collectYoungGarbage();
    return text;
  }
}

/**
 * Notes whether the client asked to shut down, which decides the exit code when stdin ends, and
 * counts the messages read and not yet handled (see messageStrategy).
 */
class StdinReader extends FramedReader {
  shutdownAsked = false;
  waiting = 0;

  constructor() {
    super(process.stdin);
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
 * `releaseWritten`: `out` copies what it writes out of the process (a pipe, a socket), so each
 * large buffer is given back once written (releaseBuffer); a stream that hands the buffers on
 * as they are (a PassThrough) must not have them emptied.
 */
export class FramedWriter extends AbstractMessageWriter implements MessageWriter {
  private errors = 0;

  constructor(
    private readonly out: Writable,
    private readonly releaseWritten = false,
  ) {
    super();
    out.on('error', (err) => this.fireError(err));
    out.on('close', () => this.fireClose());
  }

  write(message: Message): Promise<void> {
    const body = bodyPieces(message);
    const length = body.reduce((n, piece) => n + piece.length, 0);
    const header = Buffer.from(`Content-Length: ${length}\r\n\r\n`, 'ascii');
    const data = body.length === 1 ? [Buffer.concat([header, body[0]])] : [header, ...body];
    if (body.length === 1) releaseBuffer(body[0]);
    return new Promise((resolve, reject) => {
      const written = (err?: Error | null) => {
        // Written (or failed): a large answer's buffers waited for the client to read them, long
        // enough to outlive the young generation; given back, they are freed at the next scavenge,
        // which for a large answer is now.
        if (this.releaseWritten) {
          for (const piece of data) releaseBuffer(piece);
          if (length >= LARGE_BODY) setImmediate(collectYoungGarbage);
        }
        if (!err) return resolve();
        this.fireError(err, message, ++this.errors);
        reject(err);
      };
      if (data.length === 1) return void this.out.write(data[0], written);
      this.out.cork();
      for (let i = 0; i < data.length - 1; i++) this.out.write(data[i]);
      this.out.write(data[data.length - 1], written);
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
  const connection = createConnection(ProposedFeatures.all, reader, new FramedWriter(process.stdout, true), { messageStrategy: messageStrategy(reader) });
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
