/**
 * Draw a digit and watch the model classify it: a canvas drawn on with mouse, touch or pen, the
 * 28x28 image the model saw (made as MNIST's were, see mnist-input.ts), and the class
 * probabilities as bars. The model runs here, in the page, with nabla's portable core.
 */
import './digit-panel.css';
import { element } from '../dom.js';
import { MNIST_SIDE, mnistInput, mnistPixels } from './mnist-input.js';
import { classProbabilities, decodeStoredModel, type StoredModel } from './stored-model.js';

export interface DigitPanelOptions {
  /** The current model's checkpoint bytes, or null while there is none; asked again at every new stroke. */
  loadModel: () => Promise<Uint8Array | null>;
  /** In label order: the bars' labels. */
  classNames: string[];
}

/** Drawing pixels: ten per MNIST pixel, so that an MNIST image enlarged onto it comes back exactly. */
const CANVAS_SIDE = 10 * MNIST_SIDE;
/** About the stroke width of MNIST's digits (2 to 3 pixels of 28). */
const STROKE_WIDTH = 22;

/**
 * Builds the panel inside `container`. Strokes are classified as they are drawn; something else that
 * paints on the drawing canvas (a test putting an image there) dispatches an 'input' event on it.
 */
export function mountDigitPanel(container: HTMLElement, options: DigitPanelOptions): void {
  const { loadModel, classNames } = options;
  const panel = element('section', 'digit-panel');
  panel.append(element('h2', undefined, 'Draw a digit'));
  const drawing = element('canvas', 'digit-drawing');
  drawing.width = drawing.height = CANVAS_SIDE;
  drawing.setAttribute('aria-label', 'drawing area: draw a digit here');
  const clear = element('button', 'digit-clear', 'Clear');
  clear.type = 'button';
  const seen = element('canvas', 'digit-seen');
  seen.width = seen.height = MNIST_SIDE;
  seen.title = 'the 28x28 input the model saw';
  const status = element('p', 'digit-status', 'Draw a digit in the black square.');
  const bars = element('ol', 'digit-probabilities');
  const rows = classNames.map((name) => {
    const row = element('li', 'digit-class');
    const bar = element('span', 'digit-bar');
    const value = element('span', 'digit-value');
    row.append(element('span', 'digit-name', name), bar, value);
    bars.append(row);
    return { row, bar, value };
  });
  const input = element('figure', 'digit-input');
  input.append(seen, element('figcaption', undefined, 'what the model saw (28x28)'));
  const side = element('div', 'digit-side');
  side.append(input, bars);
  const left = element('div', 'digit-left');
  left.append(drawing, clear);
  const body = element('div', 'digit-body');
  body.append(left, side);
  panel.append(body, status);
  container.append(panel);

  const pen = drawing.getContext('2d', { willReadFrequently: true })!;
  const blank = () => {
    pen.fillStyle = 'black';
    pen.fillRect(0, 0, CANVAS_SIDE, CANVAS_SIDE);
  };
  blank();

  let stored: StoredModel | null = null;
  let modelError: string | null = null;
  const refreshModel = async () => {
    try {
      const bytes = await loadModel();
      stored = bytes === null ? null : decodeStoredModel(bytes, 'the run\'s model');
      modelError = null;
    } catch (error) {
      stored = null;
      modelError = (error as Error).message;
    }
  };

  const show = (probabilities: number[] | null) => {
    const best = probabilities === null ? -1 : probabilities.indexOf(Math.max(...probabilities));
    rows.forEach(({ row, bar, value }, k) => {
      const p = probabilities?.[k];
      bar.style.width = `${100 * (p ?? 0)}%`;
      value.textContent = p === undefined ? '' : `${(100 * p).toFixed(1)}%`;
      // The exact value, for whoever reads the page programmatically.
      if (p === undefined) row.removeAttribute('data-probability');
      else row.dataset.probability = String(p);
      row.classList.toggle('digit-best', k === best);
    });
    if (best < 0) panel.removeAttribute('data-predicted');
    else panel.dataset.predicted = String(best);
  };

  const classify = () => {
    const rgba = pen.getImageData(0, 0, CANVAS_SIDE, CANVAS_SIDE).data;
    // White ink on black, in grey levels: the red channel is the amount of ink.
    const ink = new Uint8Array(CANVAS_SIDE * CANVAS_SIDE);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i];
    const image = mnistInput(ink, CANVAS_SIDE);
    drawSeen(seen, image);
    if (image === null) {
      show(null);
      status.textContent = 'Draw a digit in the black square.';
    } else if (stored === null) {
      show(null);
      status.textContent = modelError === null ? 'No model yet: the classes appear once the run has saved one (after its first epoch).' : `Cannot use the model: ${modelError}`;
    } else {
      let probabilities: number[];
      try {
        probabilities = classProbabilities(stored, mnistPixels(image));
      } catch (error) {
        show(null);
        status.textContent = `The model cannot classify a 28x28 image: ${(error as Error).message}`;
        return;
      }
      show(probabilities);
      const best = probabilities.indexOf(Math.max(...probabilities));
      status.textContent = `The model says ${classNames[best] ?? best} (${(100 * probabilities[best]).toFixed(1)}%).`;
    }
  };

  // Classify at most once a frame while drawing.
  let pending = false;
  const classifySoon = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      classify();
    });
  };

  let last: { x: number; y: number } | null = null;
  const at = (event: PointerEvent) => {
    const box = drawing.getBoundingClientRect();
    return { x: ((event.clientX - box.left) / box.width) * CANVAS_SIDE, y: ((event.clientY - box.top) / box.height) * CANVAS_SIDE };
  };
  const strokeTo = (point: { x: number; y: number }) => {
    pen.strokeStyle = 'white';
    pen.lineWidth = STROKE_WIDTH;
    pen.lineCap = 'round';
    pen.lineJoin = 'round';
    pen.beginPath();
    pen.moveTo(last!.x, last!.y);
    pen.lineTo(point.x, point.y);
    pen.stroke();
    last = point;
  };
  drawing.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    drawing.setPointerCapture(event.pointerId);
    last = at(event);
    strokeTo(last);
    void refreshModel().then(classifySoon);
  });
  drawing.addEventListener('pointermove', (event) => {
    if (last === null) return;
    for (const e of event.getCoalescedEvents?.() ?? [event]) strokeTo(at(e));
    classifySoon();
  });
  const endStroke = () => {
    if (last === null) return;
    last = null;
    classifySoon();
  };
  drawing.addEventListener('pointerup', endStroke);
  drawing.addEventListener('pointercancel', endStroke);
  drawing.addEventListener('input', () => void refreshModel().then(classify));
  clear.addEventListener('click', () => {
    blank();
    classify();
  });
  void refreshModel();
}

/** Paints the model's input, or a blank square, on the small canvas (CSS enlarges it). */
function drawSeen(canvas: HTMLCanvasElement, image: Uint8Array | null): void {
  const pixels = new ImageData(MNIST_SIDE, MNIST_SIDE);
  for (let i = 0; i < MNIST_SIDE * MNIST_SIDE; i++) {
    const v = image?.[i] ?? 0;
    pixels.data.set([v, v, v, 255], 4 * i);
  }
  canvas.getContext('2d')!.putImageData(pixels, 0, 0);
}
