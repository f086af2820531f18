export { importOnnx, type ImportOnnxOptions } from './import-onnx.js';
export { OnnxModule, InitializerScope } from './onnx-module.js';
export { OnnxImportError } from './errors.js';
export { ONNX_IMPORT_OPS } from './op-table.js';
