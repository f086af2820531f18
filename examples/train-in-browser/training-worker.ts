/**
 * Trains nabla's default network (the 784-40-30-20-10 sigmoid MLP of `nabla train`: Xavier-uniform
 * initialization, SGD with momentum 0.9 at 0.1, a cosine schedule, cross-entropy, batches of 100,
 * a tenth held out for validation) in a Web Worker, and posts the run's records and its weights.
 */
import { CLASS_NAMES, CosineAnnealingLR, encodeModel, fitAsync, getBackend, imageDataset, manualSeed, mlp, type MlpConfig, objective, parseIdxAsync, SGD, TrainingDivergedError, trainValidationSplit, Generator } from '../../src/core.js';
import { RunRecorder } from '../../src/train/run-recorder.js';
import type { FromWorker, ToWorker, TrainingSettings } from './messages.js';

const SEED = 0;
const LEARNING_RATE = 0.1;
const MOMENTUM = 0.9;
const VALIDATION_FRACTION = 0.1;
/** How often the page gets the weights during an epoch, for its draw-a-digit panel. */
const MODEL_EVERY_BATCHES = 50;

const post = (message: FromWorker, transfer: Transferable[] = []) => self.postMessage(message, { transfer });
let stopping: AbortController | null = null;

self.onmessage = (event: MessageEvent<ToWorker>) => {
  const message = event.data;
  if (message.type === 'stop') {
    stopping?.abort();
  } else if (stopping === null) {
    stopping = new AbortController();
    train(message.dataUrl, message.settings, stopping.signal).catch((error: unknown) => post({ type: 'error', message: (error as Error).message }));
  }
};

async function train(dataUrl: string, settings: TrainingSettings, signal: AbortSignal): Promise<void> {
  const { dataset, epochs, trainSamples, batchSize } = settings;
  post({ type: 'status', text: `loading ${dataset} from ${dataUrl}` });
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all(
    ['train-images-idx3-ubyte', 'train-labels-idx1-ubyte', 't10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte'].map((file) => fetchIdx(new URL(`${dataset}/${file}.gz`, dataUrl).href)),
  );
  const all = imageDataset(trainImages, trainLabels, { images: 'train images', labels: 'train labels' });
  const test = imageDataset(testImages, testLabels, { images: 'test images', labels: 'test labels' });
  const pool = trainSamples === null ? all : all.subset(Int32Array.from({ length: Math.min(trainSamples, all.length) }, (_, i) => i));
  const { train, validation } = trainValidationSplit(pool, VALIDATION_FRACTION, SEED);

  manualSeed(SEED);
  const config: MlpConfig = { inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'sigmoid', dropout: 0 };
  const model = mlp(config, { init: 'xavier-uniform', generator: new Generator(SEED) });
  const optimizer = new SGD(model.parameters(), { lr: LEARNING_RATE, momentum: MOMENTUM });
  const scheduler = new CosineAnnealingLR(optimizer, { tMax: epochs });
  const loss = objective('cross-entropy');
  const sendModel = () => {
    const bytes = encodeModel(model, { config, metadata: { dataset, loss: 'cross-entropy' } });
    post({ type: 'model', bytes }, [bytes.buffer]);
  };
  const recorder = new RunRecorder(model, {
    emit: (record) => post({ type: 'record', record }),
    train,
    validation,
    test,
    loss,
    batchSize,
    epochs,
    config: { dataset, epochs, trainSamples, batchSize, optimizer: 'sgd', lr: LEARNING_RATE, momentum: MOMENTUM, schedule: 'cosine', init: 'xavier-uniform', valSplit: VALIDATION_FRACTION, seed: SEED, backend: getBackend().name, where: 'browser worker' },
    modelConfig: config,
    dataset,
    classNames: CLASS_NAMES[dataset],
  });
  post({ type: 'status', text: `training on ${train.length} samples (${validation.length} validation, ${test.length} test), ${getBackend().name} backend` });
  recorder.start();
  try {
    await fitAsync(model, {
      loss,
      optimizer,
      scheduler,
      train,
      validation,
      test,
      epochs,
      batchSize,
      seed: SEED,
      signal,
      onBatch: (progress) => {
        recorder.onBatch(progress);
        if (progress.batch % MODEL_EVERY_BATCHES === 0) sendModel();
      },
      onEpoch: (record, evaluation) => {
        recorder.onEpoch(record, evaluation);
        sendModel();
      },
    });
    recorder.end(signal.aborted ? 'interrupted' : 'completed');
  } catch (error) {
    if (!(error instanceof TrainingDivergedError)) throw error;
    recorder.end('diverged', error.message);
  }
  sendModel();
  post({ type: 'status', text: signal.aborted ? 'stopped' : 'done' });
}

async function fetchIdx(url: string) {
  const response = await fetch(url);
  if (!response.ok) {
    const detail = await response.text();
    throw new Error(`GET ${url}: ${response.status} ${response.statusText}${detail === '' ? '' : `: ${detail}`}`);
  }
  return parseIdxAsync(new Uint8Array(await response.arrayBuffer()), url);
}
