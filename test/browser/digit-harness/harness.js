// The draw-a-digit panel alone, on the dashboard server, with the model of the run named by ?run=ID.
// Plain JavaScript: the tests' tsconfig has no DOM types.
import { mountDigitPanel } from '../../../src/dashboard/digit/digit-panel.ts';

const run = new URLSearchParams(location.search).get('run');
mountDigitPanel(document.getElementById('panel'), {
  classNames: ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'],
  async loadModel() {
    const response = await fetch(`api/runs/${encodeURIComponent(run)}/model`);
    if (response.status === 404) return null;
    if (!response.ok) throw new Error(`GET model: HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  },
});
