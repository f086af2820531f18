import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MNIST_SIDE, mnistInput, mnistPixels } from '../../src/dashboard/digit/mnist-input.js';
import { readIdxFile } from '../../src/data/idx-file.js';
import { DATASETS } from '../datasets.js';

const PIXELS = MNIST_SIDE * MNIST_SIDE;
const testImages = readIdxFile(join(DATASETS, 'mnist', 't10k-images-idx3-ubyte.gz'));
const image = (i: number) => testImages.data.subarray(i * PIXELS, (i + 1) * PIXELS);

/** An MNIST image drawn `scale` times larger: each pixel an aligned scale x scale square, as the panel's 280x280 canvas shows it. */
function enlarged(pixels: Uint8Array, scale: number): Uint8Array {
  const side = MNIST_SIDE * scale;
  const ink = new Uint8Array(side * side);
  for (let y = 0; y < side; y++) {
    for (let x = 0; x < side; x++) ink[y * side + x] = pixels[Math.floor(y / scale) * MNIST_SIDE + Math.floor(x / scale)];
  }
  return ink;
}

/** A drawing of `side` x `side` with the rectangles filled with full ink. */
function rectangles(side: number, ...boxes: { left: number; top: number; width: number; height: number }[]): Uint8Array {
  const ink = new Uint8Array(side * side);
  for (const { left, top, width, height } of boxes) {
    for (let y = top; y < top + height; y++) ink.fill(255, y * side + left, y * side + left + width);
  }
  return ink;
}

function centreOfMass(pixels: Uint8Array): { x: number; y: number } {
  let mass = 0;
  let x = 0;
  let y = 0;
  pixels.forEach((v, i) => {
    mass += v;
    x += v * (i % MNIST_SIDE);
    y += v * Math.floor(i / MNIST_SIDE);
  });
  return { x: x / mass, y: y / mass };
}

describe('mnistInput: a drawing made into an MNIST image', () => {
  it('gives back every MNIST test image unchanged (its digit already fits 20x20 and is centred by mass)', () => {
    const changed: number[] = [];
    for (let i = 0; i < testImages.shape[0]; i++) {
      const result = mnistInput(image(i), MNIST_SIDE);
      if (result === null || !result.every((v, k) => v === image(i)[k])) changed.push(i);
    }
    expect(changed).toEqual([]);
  });

  it('gives back MNIST test images enlarged tenfold onto a 280x280 canvas', () => {
    for (let i = 0; i < 300; i++) expect(mnistInput(enlarged(image(i), 10), 280), `test image ${i}`).toEqual(new Uint8Array(image(i)));
  });

  it('scales the bounding box to 20 pixels on its longer side, keeping the aspect ratio, and centres it by mass', () => {
    // 100x50 drawing pixels at 5 per output pixel: a 20x10 block whose centre of mass (c + 9.5, r + 4.5) lands at 13.5.
    const block = mnistInput(rectangles(280, { left: 30, top: 40, width: 100, height: 50 }), 280)!;
    const expected = rectangles(MNIST_SIDE, { left: 4, top: 9, width: 20, height: 10 });
    expect(block).toEqual(expected);
    // A small stroke far off centre grows to the same block, and one too large shrinks to it.
    expect(mnistInput(rectangles(280, { left: 200, top: 230, width: 40, height: 20 }), 280)).toEqual(expected);
    expect(mnistInput(rectangles(280, { left: 10, top: 20, width: 250, height: 125 }), 280)).toEqual(expected);
  });

  it('turns a tall thin stroke into a bar 20 pixels high and a tenth as wide', () => {
    const bar = mnistInput(rectangles(280, { left: 50, top: 10, width: 20, height: 200 }), 280)!;
    expect(bar).toEqual(rectangles(MNIST_SIDE, { left: 13, top: 4, width: 2, height: 20 }));
  });

  it('gives the same image wherever on the canvas the same strokes are drawn', () => {
    const strokes = (dx: number, dy: number) => rectangles(280, { left: 40 + dx, top: 30 + dy, width: 12, height: 90 }, { left: 40 + dx, top: 30 + dy, width: 60, height: 11 }, { left: 90 + dx, top: 30 + dy, width: 9, height: 50 });
    const reference = mnistInput(strokes(0, 0), 280);
    for (const [dx, dy] of [[1, 0], [0, 3], [97, 41], [160, 150]]) expect(mnistInput(strokes(dx, dy), 280), `moved by (${dx}, ${dy})`).toEqual(reference);
  });

  it('gives back about the original MNIST image when it is drawn smaller, anywhere on the canvas', () => {
    const side = 280;
    for (const scale of [3, 5, 7, 9]) {
      const offset = side - MNIST_SIDE * scale;
      for (let i = 0; i < 50; i++) {
        const ink = new Uint8Array(side * side);
        const small = enlarged(image(i), scale);
        const smallSide = MNIST_SIDE * scale;
        for (let y = 0; y < smallSide; y++) ink.set(small.subarray(y * smallSide, (y + 1) * smallSide), (y + offset) * side + 7);
        const result = mnistInput(ink, side)!;
        const { x, y } = centreOfMass(result);
        expect([x >= 13.5 && x < 14.5, y >= 13.5 && y < 14.5], `centre of mass of image ${i} at ${scale}x`).toEqual([true, true]);
        // Resampling moves the ink by half a pixel where a span is odd: the grey levels differ by a few percent at most.
        const meanDifference = result.reduce((sum, v, k) => sum + Math.abs(v - image(i)[k]), 0) / PIXELS;
        expect(meanDifference, `image ${i} at ${scale}x`).toBeLessThan(16);
      }
    }
  });

  it('returns null for an empty drawing', () => {
    expect(mnistInput(new Uint8Array(280 * 280), 280)).toBeNull();
  });

  it('says what is wrong with a drawing of the wrong size', () => {
    expect(() => mnistInput(new Uint8Array(100), 10)).toThrow('mnistInput: side must be an integer of at least 28 (pixels of the square drawing), got 10');
    expect(() => mnistInput(new Uint8Array(100), 28)).toThrow('mnistInput: a 28x28 drawing has 784 pixels, but ink holds 100');
  });

  it('gives the pixels as the datasets do: byte / 255 in float32', () => {
    expect(mnistPixels(new Uint8Array([0, 51, 255]))).toEqual(new Float32Array([0, 0.2, 1]));
  });
});
