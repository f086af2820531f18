import { readFileSync } from 'node:fs';
import { loadCheckpoint } from '../io/checkpoint.js';
import { writeFileAtomically } from '../io/safetensors-file.js';
import type { MlpConfig } from '../nn/mlp.js';
import { isNetworkSpec, type NetworkSpec } from '../nn/model-spec.js';
import { exportOnnx, OnnxExportError } from '../onnx/export.js';
import { ONNX_OPSET } from '../onnx/graph-builder.js';
import { checkWritable } from './check-writable.js';
import { UsageError } from './errors.js';
import { rebuild } from './eval.js';
import { summarizeFor } from './models.js';

export interface ExportFlags {
  load: string;
  /** The one format written so far (main.ts lists the choices, so that only `export` loads the ONNX code). */
  format: 'onnx';
  output: string;
  /** One sample's shape; default: the MLP's input size, or [1, 28, 28] (an MNIST image) for a network spec, as nabla train feeds them. */
  inputShape?: number[];
}

/** The image shape nabla train gives a --model network: one channel of 28 x 28 pixels. */
const IMAGE_SHAPE = [1, 28, 28];

/** `nabla export`: the model of a checkpoint, with its weights, as an ONNX file; prints where it went. */
export async function exportCommand(flags: ExportFlags): Promise<void> {
  await checkWritable(flags.output, '-o');
  const checkpoint = loadCheckpoint<MlpConfig | NetworkSpec>(flags.load);
  const { config } = checkpoint;
  const model = rebuild(config, checkpoint.stateDict, flags.load);
  const inputShape = flags.inputShape ?? (isNetworkSpec(config) ? IMAGE_SHAPE : [config.inputSize]);
  summarizeFor(model, inputShape, `${flags.load}: the stored model`);
  let bytes: Uint8Array;
  try {
    bytes = exportOnnx(model, inputShape, { config, producerVersion: nablaVersion() });
  } catch (error) {
    if (error instanceof OnnxExportError) throw new UsageError(`${flags.load}: ${error.message}`);
    throw error;
  }
  writeFileAtomically(flags.output, bytes);
  process.stdout.write(`wrote ${flags.output}: ONNX (opset ${ONNX_OPSET}) of ${flags.load}, input [N, ${inputShape.join(', ')}], ${bytes.length} bytes\n`);
}

function nablaVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}
