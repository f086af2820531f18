/** A model that importOnnx cannot read or run; the message names the file, the node and the op. */
export class OnnxImportError extends Error {
  override name = 'OnnxImportError';
}
