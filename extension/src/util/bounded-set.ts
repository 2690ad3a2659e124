/**
 * An insertion-ordered set that forgets its oldest entries beyond `capacity`: request-id bookkeeping must stay
 * bounded however many invocations (or forged ids) arrive.
 */
export class BoundedSet<T> {
  private readonly items = new Set<T>();
  constructor(readonly capacity: number) {}

  add(v: T): void {
    if (this.items.has(v)) this.items.delete(v);
    this.items.add(v);
    while (this.items.size > this.capacity) {
      const oldest = this.items.values().next().value as T;
      this.items.delete(oldest);
    }
  }
  delete(v: T): boolean {
    return this.items.delete(v);
  }
  has(v: T): boolean {
    return this.items.has(v);
  }
  get size(): number {
    return this.items.size;
  }
}
