// The pauses of time-sliced work let what the event loop read during a slice be handled before
// the next slice: the language server's requests (which the connection handles in an immediate
// once read) are answered between an update's slices, not after the next round of them.
import * as assert from 'node:assert/strict';
import * as net from 'node:net';
import { timeSlices, waitForMessages } from '../../shared/index/timeSlices';

/** Two ends of a real TCP connection on 127.0.0.1: what one writes, the other reads when the loop next polls. */
async function socketPair(): Promise<{ writer: net.Socket; reader: net.Socket; close: () => void }> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const accepted = new Promise<net.Socket>((resolve) => server.once('connection', resolve));
  const writer = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
  await new Promise((resolve) => writer.once('connect', resolve));
  const reader = await accepted;
  return { writer, reader, close: () => (writer.destroy(), reader.destroy(), server.close()) };
}

describe('index time slices', () => {
  it('handles a message read during a slice before the next slice of every paused task', async () => {
    const { writer, reader, close } = await socketPair();
    try {
      const order: string[] = [];
      // As vscode-jsonrpc does: a message read queues its handling in an immediate.
      reader.on('data', () => setImmediate(() => order.push('request')));
      await new Promise((resolve) => setImmediate(resolve));
      // Two tasks sliced at every pause (an update and a save, say); the request comes in during the update's first slice.
      const task = async (name: string) => {
        const pause = timeSlices(0);
        for (let slice = 1; slice <= 3; slice++) {
          order.push(`${name} ${slice}`);
          if (name === 'update' && slice === 1) writer.write('hover');
          await pause();
        }
      };
      await Promise.all([task('update'), task('save')]);
      assert.deepEqual(order, ['update 1', 'save 1', 'request', 'update 2', 'save 2', 'update 3', 'save 3']);
    } finally {
      close();
    }
  });

  it('handles all the messages read before the next slice when told they wait, though it handles one per turn', async () => {
    const { writer, reader, close } = await socketPair();
    let waiting = 0;
    try {
      waitForMessages(() => waiting > 0);
      const order: string[] = [];
      // As vscode-jsonrpc does: each message read is queued, and one is handled per immediate.
      const queue: string[] = [];
      const handleNext = () =>
        setImmediate(() => {
          order.push(queue.shift()!);
          waiting--;
          if (queue.length) handleNext();
        });
      const read = new Promise<void>((resolve) =>
        reader.on('data', (data: Buffer) => {
          for (const m of data.toString().split(' ')) queue.push(m);
          waiting += queue.length;
          handleNext();
          resolve();
        }),
      );
      writer.write('changes changes hover');
      await read;
      // Two tasks in slices longer than a turn (the time is not up at their first pause) reach a pause while the messages wait.
      const task = async (name: string) => {
        const pause = timeSlices(60_000);
        for (let slice = 1; slice <= 2; slice++) {
          order.push(`${name} ${slice}`);
          await pause();
        }
      };
      await Promise.all([task('update'), task('save')]);
      assert.deepEqual(order, ['update 1', 'save 1', 'changes', 'changes', 'hover', 'update 2', 'save 2']);
    } finally {
      waitForMessages(() => false);
      close();
    }
  });
});
