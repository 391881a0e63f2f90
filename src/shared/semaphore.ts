/**
 * At most `size` holders at a time; the others wait in arrival order. acquire()
 * resolves to the release function, which is safe to call more than once.
 */
export class Semaphore {
  readonly #waiting: (() => void)[] = []
  #free: number

  constructor(readonly size: number) {
    if (!Number.isInteger(size) || size < 1) throw new Error('a semaphore needs at least one slot')
    this.#free = size
  }

  /** Holders right now. */
  get held(): number {
    return this.size - this.#free
  }

  async acquire(): Promise<() => void> {
    if (this.#free > 0) this.#free--
    else await new Promise<void>((resolve) => this.#waiting.push(resolve))
    let released = false
    return () => {
      if (released) return
      released = true
      const next = this.#waiting.shift()
      if (next) next()
      else this.#free++
    }
  }
}
