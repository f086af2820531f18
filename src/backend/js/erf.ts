const TWO_OVER_SQRT_PI = 2 / Math.sqrt(Math.PI);

/**
 * The error function to within a few ulp of float64 (JavaScript has no Math.erf). Below 2.5 it sums
 * erf(a) = 2/sqrt(pi) exp(-a^2) sum_n (2a^2)^n a / (1*3*...*(2n+1)), whose terms are all positive
 * (the Taylor series cancels); above, 1 - erfc(a) with erfc's continued fraction
 * exp(-a^2)/sqrt(pi) / (a + (1/2)/(a + (2/2)/(a + (3/2)/(a + ...)))), which converges fast there.
 */
export function erf(x: number): number {
  const a = Math.abs(x);
  if (a !== a) return x;
  if (a > 6) return Math.sign(x); // erfc(6) < 2^-54: 1 - erfc rounds to 1
  const value = a < 2.5 ? erfSeries(a) : 1 - erfcContinuedFraction(a);
  return x < 0 ? -value : value;
}

function erfSeries(a: number): number {
  const twoA2 = 2 * a * a;
  let term = a;
  let sum = a;
  for (let n = 1; term > 1e-17 * sum; n++) {
    term *= twoA2 / (2 * n + 1);
    sum += term;
  }
  return TWO_OVER_SQRT_PI * Math.exp(-a * a) * sum;
}

/** Modified Lentz evaluation of the continued fraction. */
function erfcContinuedFraction(a: number): number {
  let f = a;
  let c = a;
  let d = 0;
  for (let k = 1; k < 500; k++) {
    const numerator = k / 2;
    d = 1 / (a + numerator * d);
    c = a + numerator / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return (TWO_OVER_SQRT_PI / 2) * Math.exp(-a * a) / f;
}
