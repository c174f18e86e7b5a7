// What the divergence banner's fix offers: a learning rate that trains. Dividing by 10 is not
// enough (the plane regression diverges at 10 and again at 1), so the page remembers the last
// rate that trained for a while without diverging and goes back to it; with none known (a link
// that starts at a too-large rate) it takes the default rate, and only below that divides by 10.

/** Steps a rate must train with finite losses before it counts as one that works. */
export const PROVEN_STEPS = 100;

export class RateMemory {
  /** @param {number} fallback  the rate to use when no working rate is known (the default) */
  constructor(fallback) {
    this.fallback = fallback;
    /** @type {number | null} the last rate that trained PROVEN_STEPS steps with finite losses */
    this.good = null;
    /** @type {number | null} */
    this.rate = null;
    /** step at which the current rate took over (or the run was reset) */
    this.since = 0;
    /** the last step observed (a smaller one means a reset) */
    this.last = 0;
  }

  /**
   * A frame or status at `step`, trained at `rate`, with finite losses or not.
   * @param {number} rate
   * @param {number} step
   * @param {boolean} finite
   */
  observe(rate, step, finite) {
    if (rate !== this.rate || step < this.last) {
      this.rate = rate;
      this.since = step;
    }
    this.last = step;
    if (finite && step - this.since >= PROVEN_STEPS) this.good = rate;
  }

  /**
   * Training diverged at `rate`: it is not a working rate, whatever it did before.
   * @param {number} rate
   */
  diverged(rate) {
    if (this.good !== null && this.good >= rate) this.good = null;
  }

  /**
   * The rate the fix offers after diverging at `rate`: always lower than it.
   * @param {number} rate
   * @param {number} [floor]  the smallest rate the server accepts
   * @returns {number}
   */
  fix(rate, floor = 1e-5) {
    if (this.good !== null && this.good < rate) return this.good;
    if (this.fallback < rate) return this.fallback;
    return Math.max(floor, Number((rate / 10).toPrecision(2)));
  }
}
