// The Node entry point: the whole portable core, plus reading and writing files, finding and
// downloading datasets. Browsers get src/core.ts (package.json "exports", condition "browser").
export * from './core.js';
// worker_threads for large matrix products of the wasm backend (NABLA_THREADS, nb.setThreads).
import './backend/wasm/node-threads.js';
export { readIdxFile } from './data/idx-file.js';
export { locateDataset, DATASET_NAMES, type DatasetFiles, type LocateOptions } from './data/sources.js';
export { loadMnist, loadFashionMnist, loadMnistLike, readSplit, type MnistLike } from './data/mnist.js';
export { saveSafetensors, loadSafetensors } from './io/safetensors-file.js';
export { saveModel, loadCheckpoint, type LoadedCheckpoint } from './io/checkpoint.js';
export { RunLogWriter, readRunLog, parseRunLog, RunLogError, type RunLog } from './io/run-log-file.js';
// ONNX export and import (onnx-proto; not in the portable core, which imports no packages).
export { exportOnnx, OnnxExportError, ONNX_CONFIG_KEY, type ExportOnnxOptions } from './onnx/export.js';
export { importOnnx, OnnxModule, InitializerScope, OnnxImportError, ONNX_IMPORT_OPS, type ImportOnnxOptions } from './onnx/import/index.js';
export { exportRecurrentOnnx, type ExportRecurrentOnnxOptions, type StandaloneRecurrentLayer } from './onnx/layers/recurrent-export.js';
