/**
 * Bounded concurrency of one executor: at most `perCluster` jobs of a
 * cluster and `perTemplate` jobs of one source template at once. Never a
 * global limit of one: jobs of other clusters and templates run in parallel.
 */
export class Slots {
  readonly #byCluster = new Map<string, number>();
  readonly #byTemplate = new Map<string, number>();

  constructor(
    private readonly limits: { perCluster: number; perTemplate: number },
  ) {}

  /** Takes a slot if both limits allow it; returns its release function. */
  tryTake(
    cluster: string,
    template: string | number,
  ): (() => void) | undefined {
    const t = `${cluster}/${template}`;
    const c = this.#byCluster.get(cluster) ?? 0;
    const n = this.#byTemplate.get(t) ?? 0;
    if (c >= this.limits.perCluster || n >= this.limits.perTemplate) {
      return undefined;
    }
    this.#byCluster.set(cluster, c + 1);
    this.#byTemplate.set(t, n + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#byCluster.set(cluster, (this.#byCluster.get(cluster) ?? 1) - 1);
      this.#byTemplate.set(t, (this.#byTemplate.get(t) ?? 1) - 1);
    };
  }

  /** Jobs running now. */
  get running(): number {
    let sum = 0;
    for (const v of this.#byCluster.values()) sum += v;
    return sum;
  }
}
