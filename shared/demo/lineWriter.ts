// Appends lines to a log file through a buffer flushed with synchronous writes: a 100k-run
// demo writes hundreds of thousands of log lines, and one write per line would be slow
// while holding them all in one string would cost memory for nothing.
import * as fs from 'node:fs';
import * as path from 'node:path';

const FLUSH_AT = 1 << 20;

export class LineWriter {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingChars = 0;
  lines = 0;

  constructor(readonly file: string) {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'w');
  }

  /** Writes `text` followed by a newline. */
  line(text: string): void {
    this.raw(text + '\n');
    this.lines++;
  }

  /** Writes `text` as is: how a torn append (no newline) is produced. */
  raw(text: string): void {
    this.pending.push(text);
    this.pendingChars += text.length;
    if (this.pendingChars >= FLUSH_AT) this.flush();
  }

  close(): void {
    this.flush();
    fs.closeSync(this.fd);
  }

  private flush(): void {
    if (this.pending.length === 0) return;
    fs.writeSync(this.fd, this.pending.join(''));
    this.pending = [];
    this.pendingChars = 0;
  }
}
