// What the index keeps of a listing once the store holds its files: their store ids in listed
// order (the order a save lists them in) and the sidecars (read again when their store's bytes
// change). A cold build's read takes the listing itself and lets go of each file as it is
// read (readBatches' takeJobs), so what is kept is gathered as the files are stored.
import type { DiscoveredFile } from './discovery';

/** What the index keeps of a listing's files once the store holds them. */
export interface Listed {
  /** Store ids of the listed files held, in listed order. */
  ids: Int32Array;
  sidecars: DiscoveredFile[];
}

/** Keeps a listing's Listed as a read that took it stores its files, in listed order. */
export class ListingKept {
  private readonly ids: Int32Array;
  private count = 0;
  private readonly sidecars: DiscoveredFile[];

  constructor(files: readonly DiscoveredFile[]) {
    this.ids = new Int32Array(files.length);
    this.sidecars = files.filter((f) => f.role === 'sidecar');
  }

  /** The next listed file is held, as `id`. */
  held(id: number): void {
    this.ids[this.count++] = id;
  }

  listed(): Listed {
    return { ids: this.count === this.ids.length ? this.ids : this.ids.slice(0, this.count), sidecars: this.sidecars };
  }
}
