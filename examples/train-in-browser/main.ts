/**
 * The page of the in-browser training example: starts the training worker with the form's settings
 * and shows its records on the dashboard, whose draw-a-digit panel uses the worker's latest weights.
 * Settings may also come in the query (?epochs=1&trainSamples=5000&batchSize=100&dataset=mnist&autostart).
 */
import 'uplot/dist/uPlot.min.css';
import '../../src/dashboard/style.css';
import { mountDashboard, type RecordSource } from '../../src/dashboard/dashboard.js';
import type { RunLogRecord } from '../../src/train/run-log.js';
import type { FromWorker, ToWorker, TrainingSettings } from './messages.js';

const form = document.getElementById('settings') as HTMLFormElement;
const startButton = document.getElementById('start') as HTMLButtonElement;
const stopButton = document.getElementById('stop') as HTMLButtonElement;
const status = document.getElementById('status')!;
const app = document.getElementById('app')!;

/** The dashboard server's dataset files, two levels up from /examples/train-in-browser/. */
const DATA_URL = new URL('../../data/', location.href).href;

const query = new URLSearchParams(location.search);
for (const name of ['dataset', 'epochs', 'trainSamples', 'batchSize']) {
  const value = query.get(name);
  const field = form.elements.namedItem(name) as HTMLInputElement | HTMLSelectElement | null;
  if (value !== null && field !== null) field.value = value;
}

function settingsFromForm(): TrainingSettings {
  const data = new FormData(form);
  const trainSamples = Number(data.get('trainSamples'));
  return {
    dataset: data.get('dataset') === 'fashion-mnist' ? 'fashion-mnist' : 'mnist',
    epochs: Number(data.get('epochs')),
    trainSamples: trainSamples >= 60000 ? null : trainSamples,
    batchSize: Number(data.get('batchSize')),
  };
}

let runs = 0;
/** The worker of the latest run; a new run ends it. */
let current: Worker | null = null;

/** The first field the form refuses and why, in the browser's words, or null when every field is valid. */
function invalidSetting(): string | null {
  for (const field of Array.from(form.elements) as HTMLInputElement[]) {
    if (field.willValidate && !field.checkValidity()) return `${field.name} ${JSON.stringify(field.value)}: ${field.validationMessage}`;
  }
  return null;
}

function startTraining(): void {
  const problem = invalidSetting();
  if (problem !== null) {
    status.textContent = `Cannot train with these settings: ${problem}`;
    status.classList.add('problem');
    return;
  }
  const settings = settingsFromForm();
  current?.terminate();
  const worker = new Worker(new URL('./training-worker.ts', import.meta.url), { type: 'module' });
  current = worker;
  const listeners = new Set<(record: RunLogRecord) => void>();
  const source: RecordSource = {
    subscribe(onRecord) {
      listeners.add(onRecord);
      return () => listeners.delete(onRecord);
    },
  };
  let model: Uint8Array | null = null;
  const finish = () => {
    startButton.disabled = false;
    stopButton.disabled = true;
    stopButton.onclick = null;
  };
  worker.onmessage = (event: MessageEvent<FromWorker>) => {
    const message = event.data;
    if (message.type === 'record') {
      for (const listener of listeners) listener(message.record);
      if (message.record.event === 'end') finish();
    } else if (message.type === 'model') {
      model = message.bytes;
    } else if (message.type === 'status') {
      status.textContent = message.text;
    } else {
      status.textContent = `Training failed: ${message.message}`;
      status.classList.add('problem');
      finish();
      worker.terminate();
    }
  };
  worker.onerror = (event) => {
    status.textContent = `The training worker failed: ${event.message}`;
    finish();
  };
  runs += 1;
  const name = `${settings.dataset}, ${settings.epochs} epoch${settings.epochs === 1 ? '' : 's'}, in this tab${runs > 1 ? ` (${runs})` : ''}`;
  mountDashboard(app, [{ id: `browser-${runs}`, name, source, model: async () => model }]);
  startButton.disabled = true;
  stopButton.disabled = false;
  stopButton.onclick = () => worker.postMessage({ type: 'stop' } satisfies ToWorker);
  status.classList.remove('problem');
  worker.postMessage({ type: 'start', dataUrl: DATA_URL, settings } satisfies ToWorker);
}

form.addEventListener('submit', (event) => {
  event.preventDefault();
  startTraining();
});

if (query.has('autostart')) startTraining();
