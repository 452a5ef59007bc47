// Giving a large buffer's memory back as soon as it is done with. V8 frees an array buffer's
// memory when it collects the buffer object, and a buffer that lived through two young-generation
// collections (a 10 MB message arriving, a 14 MB answer waiting for the client to read it) is
// collected only by the next full collection, which V8 starts once external memory grew 64 MB
// past the last one: the language server at 100k artifacts, ~210 MB at ready, held 15-20 MB of
// such buffers after a references answer, until the next full collection. Transferred away, the
// memory belongs to a new buffer object that nothing holds: the next young-generation collection
// (every few MB of allocation) frees it.

/**
 * Frees `buffer`'s memory at the next young-generation collection. Only for a buffer that owns
 * its whole ArrayBuffer (not a slice of Node's pool or of a larger buffer: left alone) and that
 * nothing reads again: it is empty from here on.
 */
export function releaseBuffer(buffer: Uint8Array): void {
  const whole = buffer.buffer;
  if (buffer.byteOffset !== 0 || buffer.byteLength !== whole.byteLength || whole.byteLength === 0) return;
  try {
    structuredClone(whole, { transfer: [whole as ArrayBuffer] });
  } catch {
    // Not transferable (Node marks its pool so): V8 frees it in its own time.
  }
}
