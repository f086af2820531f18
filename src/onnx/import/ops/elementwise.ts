import { add, div, maximum, minimum, mul, pow, sub } from '../../../ops/arithmetic.js';
import { gelu, GELU_APPROXIMATIONS, type GeluApproximation } from '../../../ops/activations.js';
import { logSoftmax, softmax } from '../../../ops/nn.js';
import { reshape } from '../../../ops/shape.js';
import type { Tensor } from '../../../tensor/tensor.js';
import { normalizeAxis, product } from '../axes.js';
import { OnnxImportError } from '../errors.js';
import type { OpCall, OpRunner, OpTable } from '../op-call.js';

const unary = (f: (x: Tensor, call: OpCall) => Tensor): OpRunner => (call) => f(call.input(0, 'X'), call);
const binary = (f: (a: Tensor, b: Tensor) => Tensor): OpRunner => (call) => f(call.input(0, 'A'), call.input(1, 'B'));
/** Sum, Max, Min: any number of inputs, broadcast together. */
const variadic = (f: (a: Tensor, b: Tensor) => Tensor): OpRunner => (call) => call.inputs.map((x, i) => x ?? call.input(i, 'data')).reduce(f);

/** Broadcasting follows NumPy's rules in ONNX and in nabla alike. */
export const ELEMENTWISE_OPS = {
  Add: binary(add),
  Sub: binary(sub),
  Mul: binary(mul),
  Div: binary(div),
  Pow: binary(pow),
  Sum: variadic(add),
  Max: variadic(maximum),
  Min: variadic(minimum),
  Neg: unary((x) => x.neg()),
  Abs: unary((x) => x.abs()),
  Exp: unary((x) => x.exp()),
  Log: unary((x) => x.log()),
  Sqrt: unary((x) => x.sqrt()),
  Reciprocal: unary((x) => x.reciprocal()),
  Erf: unary((x) => x.erf()),
  Relu: unary((x) => x.relu()),
  LeakyRelu: unary((x, call) => x.leakyRelu(call.attributes.float('alpha', 0.01))),
  Sigmoid: unary((x) => x.sigmoid()),
  HardSigmoid: unary((x, call) => x.mul(call.attributes.float('alpha', 0.2)).add(call.attributes.float('beta', 0.5)).clamp(0, 1)),
  Tanh: unary((x) => x.tanh()),
  Elu: unary((x, call) => x.elu(call.attributes.float('alpha', 1))),
  Selu: unary((x, call) => x.elu(call.attributes.float('alpha', 1.67326319217681884765625)).mul(call.attributes.float('gamma', 1.05070102214813232421875))),
  Softplus: unary((x) => x.softplus()),
  Gelu: unary((x, call) => gelu(x, geluApproximation(call.attributes.string('approximate', 'none')))),
  Clip: unary((x, call) => {
    // Bounds are attributes before opset 11 and optional scalar inputs from then on.
    const bound = (index: number, attribute: string, fallback: number) =>
      call.opset < 11 ? call.attributes.float(attribute, fallback) : (call.optionalInput(index)?.item() ?? fallback);
    return x.clamp(bound(1, 'min', -Infinity), bound(2, 'max', Infinity));
  }),
  Softmax: softmaxLike(softmax),
  LogSoftmax: softmaxLike(logSoftmax),
} satisfies OpTable;

function geluApproximation(approximate: string): GeluApproximation {
  if (!(GELU_APPROXIMATIONS as readonly string[]).includes(approximate)) throw new OnnxImportError(`approximate must be ${GELU_APPROXIMATIONS.map((a) => `'${a}'`).join(' or ')}, got '${approximate}'`);
  return approximate as GeluApproximation;
}

/**
 * From opset 13 along one axis (default -1); before, over the input flattened to 2-D at `axis`
 * (default 1), every axis from `axis` on normalized together.
 */
function softmaxLike(f: (x: Tensor, axis: number) => Tensor): OpRunner {
  return unary((x, call) => {
    if (call.opset >= 13) return f(x, normalizeAxis(call.attributes.int('axis', -1), x.ndim));
    const axis = normalizeAxis(call.attributes.int('axis', 1), x.ndim);
    return reshape(f(reshape(x, [product(x.shape.slice(0, axis)), product(x.shape.slice(axis))]), 1), x.shape);
  });
}
