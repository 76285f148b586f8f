/** A counting semaphore: at most `n` holders; the rest wait in order. */
export class Limit {
  private active = 0;
  private readonly queue: (() => void)[] = [];

  constructor(private readonly n: number) {}

  /** True when a slot is free right now (the caller may say "Waiting" otherwise). */
  get free(): boolean {
    return this.active < Math.max(1, this.n);
  }

  async acquire(): Promise<() => void> {
    if (this.free) this.active++;
    else await new Promise<void>((resolve) => this.queue.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next();
      else this.active--;
    };
  }
}
