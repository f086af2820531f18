/** The test images a run's latest epoch got most confidently wrong, drawn on canvases with their labels. */
import type { EpochLogRecord, Misclassified } from '../train/run-log.js';
import { element, note } from './dom.js';

const SCALE = 3;

export function renderMisclassified(container: HTMLElement, epoch: EpochLogRecord | null, classNames: readonly string[]): void {
  container.replaceChildren();
  if (epoch === null) {
    container.append(note('The most confidently misclassified test images appear when the first epoch ends.'));
    return;
  }
  if (epoch.misclassified.length === 0) {
    container.append(note(epoch.confusion === null ? 'This run is not a classification.' : `No misclassified images after epoch ${epoch.epoch}.`));
    return;
  }
  const name = (i: number) => classNames[i] ?? String(i);
  const grid = element('div', 'misclassified');
  for (const image of epoch.misclassified) {
    const figure = element('figure', 'sample');
    figure.append(drawImage(image));
    const caption = element('figcaption');
    caption.append(element('span', 'predicted', `${name(image.predicted)} ${(100 * image.confidence).toFixed(1)}%`), element('span', 'label', `true: ${name(image.label)}`));
    figure.title = `test image #${image.index}: a ${name(image.label)} taken for a ${name(image.predicted)} with probability ${image.confidence.toFixed(4)}`;
    figure.append(caption);
    grid.append(figure);
  }
  container.append(grid);
}

/** The image's bytes as dark ink on white; the last two dimensions of its shape are height and width. */
function drawImage(image: Misclassified): HTMLCanvasElement {
  const [height = 1, width = 1] = image.shape.slice(-2);
  const canvas = element('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.style.width = `${width * SCALE}px`;
  canvas.style.height = `${height * SCALE}px`;
  const bytes = Uint8Array.from(atob(image.pixels), (c) => c.charCodeAt(0));
  const context = canvas.getContext('2d')!;
  const pixels = context.createImageData(width, height);
  for (let i = 0; i < width * height; i++) {
    const ink = 255 - (bytes[i] ?? 0);
    pixels.data.set([ink, ink, ink, 255], i * 4);
  }
  context.putImageData(pixels, 0, 0);
  return canvas;
}
