// Strings the index holds many times over (ref keys, namespaces) kept once, each with a small
// integer id: columns store the id (4 bytes) instead of a pointer to a string per record, and
// equal strings compare as equal ids.

export class StringTable {
  private readonly ids = new Map<string, number>();
  private readonly values: string[] = [];

  /** The id of `s`, adding it on first sight (the first copy seen is the one kept). */
  id(s: string): number {
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(s, id);
      this.values.push(s);
    }
    return id;
  }

  /** The id of `s` if the table holds it (a lookup never adds). */
  find(s: string): number | undefined {
    return this.ids.get(s);
  }

  value(id: number): string {
    return this.values[id];
  }

  /** The shared copy of `s`. */
  intern(s: string): string {
    return this.values[this.id(s)];
  }

  get size(): number {
    return this.values.length;
  }
}
