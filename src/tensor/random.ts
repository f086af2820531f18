/**
 * Everything a Generator's future output depends on: the four xoshiro128** words and the normal
 * sample Box-Muller keeps for the next call. Plain JSON, to store in a checkpoint.
 */
export interface GeneratorState {
  words: [number, number, number, number];
  spareNormal: number | null;
}

/**
 * A seedable pseudo-random generator (xoshiro128**, seeded through splitmix32), so that
 * initialization, shuffling and dropout are reproducible from one integer seed.
 */
export class Generator {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | null = null;

  constructor(seed = Date.now()) {
    this.manualSeed(seed);
  }

  manualSeed(seed: number): this {
    let state = seed >>> 0;
    const splitmix = () => {
      state = (state + 0x9e3779b9) | 0;
      let z = state;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = splitmix();
    this.s1 = splitmix();
    this.s2 = splitmix();
    this.s3 = splitmix();
    this.spareNormal = null;
    return this;
  }

  /** A snapshot of the state, like torch.Generator.get_state(): setState(getState()) makes the generator repeat itself. */
  getState(): GeneratorState {
    return { words: [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0], spareNormal: this.spareNormal };
  }

  /** Restores a getState() snapshot, like torch.Generator.set_state(). */
  setState(state: GeneratorState): this {
    const words: unknown = state?.words;
    const isWord = (w: unknown) => Number.isInteger(w) && (w as number) >= 0 && (w as number) <= 0xffffffff;
    if (!Array.isArray(words) || words.length !== 4 || !words.every(isWord)) {
      throw new TypeError(`Generator.setState: state.words must be four unsigned 32-bit integers, got ${JSON.stringify(words)}`);
    }
    if (words.every((w) => w === 0)) throw new RangeError('Generator.setState: state.words are all zero, a state xoshiro128** never leaves');
    const spare: unknown = state.spareNormal;
    if (spare !== null && !(typeof spare === 'number' && Number.isFinite(spare))) {
      throw new TypeError(`Generator.setState: state.spareNormal must be a finite number or null, got ${JSON.stringify(spare)}`);
    }
    [this.s0, this.s1, this.s2, this.s3] = words.map((w: number) => w | 0);
    this.spareNormal = spare;
    return this;
  }

  /** A uniformly distributed 32-bit unsigned integer. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform on [0, 1) with 53 random bits. */
  uniform(): number {
    const hi = this.nextUint32() >>> 5;
    const lo = this.nextUint32() >>> 6;
    return (hi * 67108864 + lo) / 9007199254740992;
  }

  /** Standard normal sample (Box-Muller, keeping the second value for the next call). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }

  /** Uniform integer in [low, high). */
  integer(low: number, high: number): number {
    return low + Math.floor(this.uniform() * (high - low));
  }

  /** Fisher-Yates shuffle of `array` in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.integer(0, i + 1);
      const tmp = array[i];
      array[i] = array[j];
      array[j] = tmp;
    }
    return array;
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** The generator used when an operation is not given one. */
export const defaultGenerator = new Generator(0x6e61626c);

/** Seeds the default generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
