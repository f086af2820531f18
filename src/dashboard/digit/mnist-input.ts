/**
 * A drawing turned into the 28x28 image an MNIST model expects, the way MNIST's images were made:
 * the digit's bounding box scaled to fit a 20x20 box (aspect ratio kept, area-averaged), grey levels
 * as bytes, and the image placed in the 28x28 field so that its centre of mass is at the centre.
 * Portable (no DOM): the draw-a-digit panel feeds it a canvas's pixels.
 */

/** The side of an MNIST image. */
export const MNIST_SIDE = 28;

/** The side of the box MNIST fitted each digit into before centring it. */
const DIGIT_BOX = 20;

/**
 * Ink that already spans this many MNIST pixels (in its longer side) is not resampled. MNIST fitted
 * its digits to 20 pixels before anti-aliasing, so its own images span 19 or 20 pixels (all but 16
 * of the 70,000 span 20); resampling those would blur them, and an MNIST image must come out unchanged.
 */
const FITTED_SPAN = { min: DIGIT_BOX - 1, max: DIGIT_BOX };

/**
 * Where MNIST put the centre of mass: in [13.5, 14.5) in pixel-index coordinates (x = 0 is the
 * first column's centre), as every MNIST test image has it. The image moves by whole pixels.
 */
const CENTRE_OF_MASS_MIN = MNIST_SIDE / 2 - 0.5;

/**
 * The MNIST-like input for a square drawing of `side` x `side` pixels, row by row, each the amount
 * of ink (0 is background, 255 full ink): 784 bytes, row by row, or null when nothing is drawn.
 * The drawing is taken as a 28x28 field of side/28-pixel cells; an MNIST image enlarged onto it
 * (each pixel an aligned square of equal bytes) comes back exactly.
 */
export function mnistInput(ink: ArrayLike<number>, side: number): Uint8Array | null {
  if (!Number.isInteger(side) || side < MNIST_SIDE) throw new RangeError(`mnistInput: side must be an integer of at least ${MNIST_SIDE} (pixels of the square drawing), got ${side}`);
  if (ink.length !== side * side) throw new RangeError(`mnistInput: a ${side}x${side} drawing has ${side * side} pixels, but ink holds ${ink.length}`);
  const box = inkBounds(ink, side);
  if (box === null) return null;
  const cell = side / MNIST_SIDE;
  const span = Math.max(box.right - box.left, box.bottom - box.top);
  const fitted = span / cell >= FITTED_SPAN.min && span / cell <= FITTED_SPAN.max;
  // Drawing pixels per output pixel, and where output pixel (0, 0) starts in the drawing.
  const step = fitted ? cell : span / DIGIT_BOX;
  const originX = fitted ? 0 : (box.left + box.right) / 2 - (MNIST_SIDE / 2) * step;
  const originY = fitted ? 0 : (box.top + box.bottom) / 2 - (MNIST_SIDE / 2) * step;
  const resampled = areaResample(ink, side, step, originX, originY);
  return centreOfMassCentred(resampled);
}

/** The grey levels of an MNIST image as the datasets give them to a model: byte / 255 in float32. */
export function mnistPixels(image: Uint8Array): Float32Array {
  return Float32Array.from(image, (v) => v / 255);
}

interface Bounds {
  left: number;
  top: number;
  /** Exclusive. */
  right: number;
  bottom: number;
}

/** The smallest rectangle holding every pixel with ink, or null when there is none. */
function inkBounds(ink: ArrayLike<number>, side: number): Bounds | null {
  let left = side;
  let top = side;
  let right = 0;
  let bottom = 0;
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) {
      if (ink[y * side + x] <= 0) continue;
      left = Math.min(left, x);
      right = Math.max(right, x + 1);
      top = Math.min(top, y);
      bottom = Math.max(bottom, y + 1);
    }
  }
  return right === 0 ? null : { left, top, right, bottom };
}

/**
 * The 28x28 image whose pixel (i, j) is the mean ink over the drawing's square
 * [origin + j step, origin + (j + 1) step) x [origin + i step, ...), outside the drawing counting
 * as no ink; rounded to bytes, as MNIST's images are.
 */
function areaResample(ink: ArrayLike<number>, side: number, step: number, originX: number, originY: number): Uint8Array {
  const columns = overlaps(side, step, originX);
  const rows = overlaps(side, step, originY);
  const image = new Uint8Array(MNIST_SIDE * MNIST_SIDE);
  for (let i = 0; i < MNIST_SIDE; i++) {
    for (let j = 0; j < MNIST_SIDE; j++) {
      let total = 0;
      for (const row of rows[i]) {
        for (const column of columns[j]) total += row.weight * column.weight * ink[row.index * side + column.index];
      }
      image[i * MNIST_SIDE + j] = Math.min(255, Math.round(total / (step * step)));
    }
  }
  return image;
}

/** For each output pixel along one axis, the drawing's pixels it covers and by how much (0 to 1). */
function overlaps(side: number, step: number, origin: number): { index: number; weight: number }[][] {
  return Array.from({ length: MNIST_SIDE }, (_, k) => {
    const start = origin + k * step;
    const end = start + step;
    const covered: { index: number; weight: number }[] = [];
    for (let index = Math.max(0, Math.floor(start)); index < Math.min(side, Math.ceil(end)); index++) {
      const weight = Math.min(end, index + 1) - Math.max(start, index);
      if (weight > 0) covered.push({ index, weight });
    }
    return covered;
  });
}

/** `image` moved by whole pixels so that its centre of mass lies in [13.5, 14.5) on both axes; null when it holds no ink. */
function centreOfMassCentred(image: Uint8Array): Uint8Array | null {
  let mass = 0;
  let momentX = 0;
  let momentY = 0;
  for (let y = 0; y < MNIST_SIDE; y++) {
    for (let x = 0; x < MNIST_SIDE; x++) {
      const v = image[y * MNIST_SIDE + x];
      mass += v;
      momentX += v * x;
      momentY += v * y;
    }
  }
  if (mass === 0) return null;
  // Sums of bytes are exact integers, so a centre of mass at exactly 13.5 stays where MNIST left it.
  const shiftX = Math.ceil(CENTRE_OF_MASS_MIN - momentX / mass);
  const shiftY = Math.ceil(CENTRE_OF_MASS_MIN - momentY / mass);
  const centred = new Uint8Array(MNIST_SIDE * MNIST_SIDE);
  for (let y = 0; y < MNIST_SIDE; y++) {
    const from = y - shiftY;
    if (from < 0 || from >= MNIST_SIDE) continue;
    for (let x = 0; x < MNIST_SIDE; x++) {
      const source = x - shiftX;
      if (source >= 0 && source < MNIST_SIDE) centred[y * MNIST_SIDE + x] = image[from * MNIST_SIDE + source];
    }
  }
  return centred;
}
