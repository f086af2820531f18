import { decodeGraph } from './onnx-graph.js';
import { OnnxModule } from './onnx-module.js';

export interface ImportOnnxOptions {
  /** How messages name the model, such as its file name (default 'ONNX model'). */
  source?: string;
}

/**
 * An ONNX model (the bytes of a .onnx file) as a nabla Module that can be run and trained further:
 * see OnnxModule. A graph with ops nabla cannot run is refused before anything runs, in one error
 * that names each of them (ONNX_IMPORT_OPS lists the supported ones).
 */
export function importOnnx(bytes: Uint8Array, options: ImportOnnxOptions = {}): OnnxModule {
  const source = options.source ?? 'ONNX model';
  return new OnnxModule(decodeGraph(bytes, source), source);
}
