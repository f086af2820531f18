// Injected by the browser tests into a page that shows the draw-a-digit panel (a classic script).
/** What the tests do in the page: draw an MNIST image onto the canvas, read the answer and the input the model saw. */
globalThis.digitHarness = {
  /** Puts 28x28 grey bytes on the drawing canvas, each pixel an aligned square, and asks the panel to classify them. */
  draw(image) {
    const canvas = document.querySelector('.digit-drawing');
    const scale = canvas.width / 28;
    const enlarged = new ImageData(canvas.width, canvas.height);
    for (let y = 0; y < canvas.height; y++) {
      for (let x = 0; x < canvas.width; x++) {
        const v = image[Math.floor(y / scale) * 28 + Math.floor(x / scale)];
        enlarged.data.set([v, v, v, 255], 4 * (y * canvas.width + x));
      }
    }
    canvas.getContext('2d').putImageData(enlarged, 0, 0);
    canvas.dispatchEvent(new Event('input'));
  },
  /** The predicted class, or null, and each class's exact probability (NaN where none is shown). */
  answer() {
    const predicted = document.querySelector('.digit-panel').dataset.predicted;
    return {
      predicted: predicted === undefined ? null : Number(predicted),
      probabilities: [...document.querySelectorAll('.digit-class')].map((row) => Number(row.dataset.probability)),
    };
  },
  /** The 28x28 input the panel shows, as grey bytes. */
  seen() {
    const canvas = document.querySelector('.digit-seen');
    return Array.from(canvas.getContext('2d').getImageData(0, 0, 28, 28).data.filter((_, i) => i % 4 === 0));
  },
};
