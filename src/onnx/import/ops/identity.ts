import type { OpTable } from '../op-call.js';
import { OnnxImportError } from '../errors.js';

export const IDENTITY_OPS = {
  Identity: (call) => call.input(0, 'input'),
  /**
   * Inference: the input unchanged (what torch.onnx.export writes for nn.Dropout in eval mode). A
   * graph that asks for training-mode dropout or its mask is refused rather than run differently.
   */
  Dropout: (call) => {
    call.onlyOutputs(1, 'mask');
    const trainingMode = call.optionalInput(2);
    if (trainingMode !== null && trainingMode.item() !== 0) throw new OnnxImportError('training_mode = true is not supported: importOnnx runs Dropout as in inference, as the identity');
    return call.input(0, 'data');
  },
} satisfies OpTable;
