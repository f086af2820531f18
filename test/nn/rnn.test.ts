import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const f64 = { dtype: 'float64' } as const;
const randn = (shape: number[], seed: number) => nb.randn(shape, { ...f64, generator: new nb.Generator(seed) });

/**
 * gradcheck of `run` with respect to `inputs` and every parameter of `module`: gradcheck's float64
 * leaves stand in for the parameters (forward reads them from their fields).
 */
function gradcheckModule(module: nb.Module<never[], unknown>, run: (...inputs: nb.Tensor[]) => nb.Tensor, inputs: nb.Tensor[]): boolean {
  const fields = module as unknown as Record<string, nb.Tensor>;
  const names = [...module.namedParameters()].map(([name]) => name);
  const params = names.map((name) => fields[name]);
  try {
    return nb.gradcheck((...all) => {
      names.forEach((name, i) => (fields[name] = all[inputs.length + i]));
      return run(...all.slice(0, inputs.length));
    }, [...inputs, ...params]);
  } finally {
    names.forEach((name, i) => (fields[name] = params[i]));
  }
}

const flat = (...ts: nb.Tensor[]) => nb.concat(ts.map((t) => t.reshape(-1)));

/** Parameters of a PyTorch RNN: per layer and direction, gates * H * (in + H) weights and 2 * gates * H biases. */
function pytorchCount(gates: number, input: number, hidden: number, layers: number, directions: number, bias: boolean): number {
  let count = 0;
  for (let l = 0; l < layers; l++) count += directions * gates * hidden * ((l === 0 ? input : directions * hidden) + hidden + (bias ? 2 : 0));
  return count;
}

describe('RNN, GRU and LSTM: parameters', () => {
  it('are named, ordered and shaped as PyTorch\'s; LSTM(10, 20, 2 layers, bidirectional) has 15,040', () => {
    const lstm = new nb.LSTM(10, 20, { numLayers: 2, bidirectional: true });
    expect(lstm.numParameters()).toBe(2 * (4 * 20 * (10 + 20 + 2) + 4 * 20 * (40 + 20 + 2)));
    expect(lstm.numParameters()).toBe(15040);
    expect(Object.keys(lstm.stateDict()).slice(0, 5)).toEqual(['weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0', 'weight_ih_l0_reverse']);
    expect([...lstm.weight_ih_l1_reverse!.shape]).toEqual([80, 40]);
    expect(new nb.GRU(7, 5, { numLayers: 3, bias: false }).numParameters()).toBe(pytorchCount(3, 7, 5, 3, 1, false));
    expect(new nb.RNN(7, 5, { bidirectional: true }).numParameters()).toBe(pytorchCount(1, 7, 5, 1, 2, true));
    expect(new nb.GRU(7, 5, { bias: false }).bias_ih_l0).toBeUndefined();
    expect(new nb.LSTMCell(7, 5).numParameters()).toBe(4 * 5 * (7 + 5 + 2));
    expect(new nb.GRUCell(7, 5, { bias: false }).bias_hh).toBeNull();
  });

  it('allWeights lists each layer and direction\'s [weight_ih, weight_hh, bias_ih, bias_hh], as PyTorch\'s all_weights', () => {
    const gru = new nb.GRU(3, 2, { numLayers: 2, bidirectional: true });
    expect(gru.allWeights.length).toBe(4);
    expect(gru.allWeights[3]).toEqual([gru.weight_ih_l1_reverse, gru.weight_hh_l1_reverse, gru.bias_ih_l1_reverse, gru.bias_hh_l1_reverse]);
    expect(new nb.RNN(3, 2, { bias: false }).allWeights[0].length).toBe(2);
  });

  it('start from U(-1/sqrt(hiddenSize), 1/sqrt(hiddenSize)) for every weight and bias, reproducibly from a generator', () => {
    for (const m of [new nb.LSTM(5, 16, { numLayers: 2 }), new nb.GRU(5, 16), new nb.RNN(5, 16), new nb.LSTMCell(5, 16), new nb.GRUCell(5, 16), new nb.RNNCell(5, 16)]) {
      for (const [name, p] of m.namedParameters()) {
        const values = Array.from(p.toTypedArray());
        const largest = Math.max(...values.map(Math.abs));
        expect(largest, `${m.constructor.name}.${name}`).toBeLessThanOrEqual(0.25);
        if (p.size >= 64) expect(largest, `${m.constructor.name}.${name}`).toBeGreaterThan(0.2);
      }
    }
    const a = new nb.LSTM(3, 4, { generator: new nb.Generator(1) });
    const b = new nb.LSTM(3, 4, { generator: new nb.Generator(1) });
    allclose(a.weight_hh_l0!, b.weight_hh_l0!, 0, 0);
    expect(a.bias_ih_l0!.dtype).toBe('float32');
    expect(new nb.GRU(3, 4, f64).weight_ih_l0!.dtype).toBe('float64');
  });

  it('are Modules: state dicts round-trip, train() keeps the type, toString names the hyperparameters', () => {
    const a = new nb.LSTM(3, 4, { ...f64, numLayers: 2 });
    const b = new nb.LSTM(3, 4, { ...f64, numLayers: 2 });
    b.loadStateDict(a.stateDict());
    const x = randn([5, 2, 3], 1);
    allclose(b.eval().forward(x)[0], a.forward(x)[0], 0, 0);
    expect(a).toBeInstanceOf(nb.Module);
    expect(a.toString()).toBe('LSTM(inputSize=3, hiddenSize=4, numLayers=2, bias=true, batchFirst=false, dropout=0, bidirectional=false)');
    expect(new nb.RNN(3, 4, { nonlinearity: 'relu' }).toString()).toMatch(/nonlinearity='relu'\)$/);
    expect(new nb.RNNCell(3, 4).toString()).toBe("RNNCell(inputSize=3, hiddenSize=4, bias=true, nonlinearity='tanh')");
    expect(new nb.GRUCell(3, 4, { bias: false }).toString()).toBe('GRUCell(inputSize=3, hiddenSize=4, bias=false)');
  });
});

describe('RNN, GRU and LSTM: forward', () => {
  it.each([
    [{}, [5, 2, 3], [5, 2, 4], [1, 2, 4]],
    [{ batchFirst: true }, [2, 5, 3], [2, 5, 4], [1, 2, 4]],
    [{ bidirectional: true, numLayers: 3 }, [5, 2, 3], [5, 2, 8], [6, 2, 4]],
    [{ batchFirst: true, bidirectional: true }, [5, 3], [5, 8], [2, 4]],
  ])('%j: input %j gives output %j and final states %j', (options, input, output, state) => {
    for (const Layer of [nb.RNN, nb.GRU]) {
      const [out, hN] = new Layer(3, 4, options).forward(nb.randn(input));
      expect([[...out.shape], [...hN.shape]]).toEqual([output, state]);
    }
    const [out, [hN, cN]] = new nb.LSTM(3, 4, options).forward(nb.randn(input));
    expect([[...out.shape], [...hN.shape], [...cN.shape]]).toEqual([output, state, state]);
  });

  it('a one-layer LSTM, GRU and RNN step exactly as their cells with the same weights', () => {
    const x = randn([4, 2, 3], 2);
    const h0 = randn([1, 2, 5], 3);
    const c0 = randn([1, 2, 5], 4);
    const renamed = (m: nb.Module<never[], unknown>) => Object.fromEntries(Object.entries(m.stateDict()).map(([k, v]) => [k.replace('_l0', ''), v]));
    const lstm = new nb.LSTM(3, 5, f64);
    const lstmCell = new nb.LSTMCell(3, 5, f64);
    lstmCell.loadStateDict(renamed(lstm));
    const [out, [hN, cN]] = lstm.forward(x, [h0, c0]);
    let state: nb.LSTMState = [h0.reshape([2, 5]), c0.reshape([2, 5])];
    for (let t = 0; t < 4; t++) {
      state = lstmCell.forward(x.slice(t), state);
      allclose(out.slice(t), state[0], 1e-15, 0);
    }
    allclose(hN.reshape([2, 5]), state[0], 1e-15, 0);
    allclose(cN.reshape([2, 5]), state[1], 1e-15, 0);
    for (const [Layer, Cell] of [[nb.GRU, nb.GRUCell], [nb.RNN, nb.RNNCell]] as const) {
      const layer = new Layer(3, 5, f64);
      const cell = new Cell(3, 5, f64);
      cell.loadStateDict(renamed(layer));
      const [output] = layer.forward(x, h0);
      let h = h0.reshape([2, 5]);
      for (let t = 0; t < 4; t++) h = cell.forward(x.slice(t), h);
      allclose(output.slice(3), h, 1e-15, 0);
    }
  });

  it('lengths: each sample runs over its own steps only, as if alone (outputs past its length are zero, hN is its last valid state)', () => {
    const lengths = [3, 1, 2];
    const gru = new nb.GRU(2, 3, { ...f64, numLayers: 2, bidirectional: true, generator: new nb.Generator(5) });
    const x = randn([3, 3, 2], 6).requiresGrad_();
    const h0 = randn([4, 3, 3], 7);
    const [out, hN] = gru.forward(x, h0, { lengths });
    lengths.forEach((length, n) => {
      const [alone, hAlone] = gru.forward(x.slice([0, length], n), h0.slice(':', n));
      allclose(out.slice([0, length], n), alone, 1e-14, 0);
      allclose(out.slice([length, 3], n), nb.zeros([3 - length, 6]), 0, 0);
      allclose(hN.slice(':', n), hAlone, 1e-14, 0);
    });
    flat(out, hN).sum().backward();
    allclose(x.grad!.slice([1, 3], 1), nb.zeros([2, 2]), 0, 0);
    allclose(gru.forward(x, h0, { lengths: nb.tensor(lengths, { dtype: 'int32' }) })[0], out, 0, 0);
    allclose(gru.forward(x, h0, { lengths: Int32Array.from(lengths) })[1], hN, 0, 0);
    allclose(gru.forward(x, h0, { lengths: [3, 3, 3] })[0], gru.forward(x, h0)[0], 0, 0);
  });

  it('truncate: the same values, and the gradients of processing the sequence in chunks with detached states', () => {
    const make = () => new nb.LSTM(2, 3, { ...f64, numLayers: 2, generator: new nb.Generator(8) });
    const x = randn([6, 2, 2], 9);
    const g = randn([6, 2, 3], 10);
    const whole = make();
    const xWhole = x.clone().detach().requiresGrad_();
    const [out] = whole.forward(xWhole, null, { truncate: 2 });
    allclose(out, whole.forward(x)[0], 0, 0);
    out.mul(g).sum().backward();

    const chunked = make();
    const xChunks = x.clone().detach().requiresGrad_();
    let state: nb.LSTMState | null = null;
    let loss = nb.zeros([], f64);
    for (let t = 0; t < 6; t += 2) {
      const [o, [h, c]] = chunked.forward(xChunks.slice([t, t + 2]), state);
      loss = loss.add(o.mul(g.slice([t, t + 2])).sum());
      state = [h.detach(), c.detach()];
    }
    loss.backward();
    allclose(xWhole.grad!, xChunks.grad!, 1e-14, 1e-12);
    for (const [name, p] of whole.namedParameters()) allclose(p.grad!, (chunked as unknown as Record<string, nb.Tensor>)[name].grad!, 1e-14, 1e-12);

    const last = (truncate?: number) => {
      const input = x.clone().detach().requiresGrad_();
      whole.forward(input, null, { truncate })[0].slice(5).sum().backward();
      return input.grad!.slice(0);
    };
    allclose(last(2), nb.zeros([2, 2]), 0, 0);
    expect(last().abs().sum().item()).toBeGreaterThan(0);
  });

  it('dropout acts between layers while training only, drawing its masks from the generator', () => {
    const weights = new nb.GRU(3, 4, { ...f64, numLayers: 2 }).stateDict();
    const make = (dropout: number, seed = 0) => {
      const m = new nb.GRU(3, 4, { ...f64, numLayers: 2, dropout, generator: new nb.Generator(seed) });
      m.loadStateDict(weights);
      return m;
    };
    const x = randn([5, 2, 3], 11);
    const plain = make(0).forward(x)[0];
    allclose(make(0.5).eval().forward(x)[0], plain, 0, 0);
    const dropped = make(0.5, 3).forward(x)[0];
    expect(dropped.sub(plain).abs().max().item()).toBeGreaterThan(1e-3);
    allclose(make(0.5, 3).forward(x)[0], dropped, 0, 0);
    const single = new nb.GRU(3, 4, { ...f64, dropout: 0.5 });
    allclose(single.forward(x)[0], single.eval().forward(x)[0], 0, 0);
  });
});

describe('gradients (gradcheck, float64)', () => {
  const x = randn([3, 2, 2], 20);
  const xBatchFirst = randn([2, 3, 2], 21);
  const h0 = (layers: number) => randn([layers, 2, 2], 22);
  const c0 = (layers: number) => randn([layers, 2, 2], 23);
  const lengths = [3, 1];
  const configs = [
    ['defaults', {}, x, false, {}],
    ['2 layers, bidirectional, batchFirst, with initial state and lengths', { numLayers: 2, bidirectional: true, batchFirst: true }, xBatchFirst, true, { lengths }],
    ['no bias, with initial state', { bias: false }, x, true, {}],
    ['unbatched, bidirectional, with initial state', { bidirectional: true }, randn([3, 2], 24), true, {}],
  ] as const;

  it.each(configs)('RNN (tanh and relu), GRU and LSTM: %s', (_, options, input, initial, forwardOptions) => {
    const layers = ('numLayers' in options ? options.numLayers : 1) * ('bidirectional' in options ? 2 : 1);
    const state = (t: nb.Tensor) => (input.ndim === 2 ? t.slice(':', 0) : t);
    const generator = new nb.Generator(25);
    for (const nonlinearity of ['tanh', 'relu'] as const) {
      const rnn = new nb.RNN(2, 2, { ...f64, ...options, nonlinearity, generator });
      expect(gradcheckModule(rnn, (xi, hi) => flat(...rnn.forward(xi, hi ?? null, forwardOptions)), initial ? [input, state(h0(layers))] : [input]), nonlinearity).toBe(true);
    }
    const gru = new nb.GRU(2, 2, { ...f64, ...options, generator });
    expect(gradcheckModule(gru, (xi, hi) => flat(...gru.forward(xi, hi ?? null, forwardOptions)), initial ? [input, state(h0(layers))] : [input])).toBe(true);
    const lstm = new nb.LSTM(2, 2, { ...f64, ...options, generator });
    const run = (xi: nb.Tensor, hi?: nb.Tensor, ci?: nb.Tensor) => {
      const [out, [hN, cN]] = lstm.forward(xi, hi === undefined ? null : [hi, ci!], forwardOptions);
      return flat(out, hN, cN);
    };
    expect(gradcheckModule(lstm, run, initial ? [input, state(h0(layers)), state(c0(layers))] : [input])).toBe(true);
  });

  it('cells: RNNCell (tanh, relu), GRUCell and LSTMCell, batched and unbatched, with and without state and bias', () => {
    const generator = new nb.Generator(27);
    const xs = [randn([3, 2], 28), randn([2], 29)];
    for (const bias of [true, false]) {
      for (const xi of xs) {
        const h = randn(xi.ndim === 2 ? [3, 2] : [2], 30);
        const c = randn(xi.ndim === 2 ? [3, 2] : [2], 31);
        for (const nonlinearity of ['tanh', 'relu'] as const) {
          const cell = new nb.RNNCell(2, 2, { ...f64, bias, nonlinearity, generator });
          expect(gradcheckModule(cell, (a, b) => cell.forward(a, b), [xi, h])).toBe(true);
          expect(gradcheckModule(cell, (a) => cell.forward(a), [xi])).toBe(true);
        }
        const gru = new nb.GRUCell(2, 2, { ...f64, bias, generator });
        expect(gradcheckModule(gru, (a, b) => gru.forward(a, b), [xi, h])).toBe(true);
        const lstm = new nb.LSTMCell(2, 2, { ...f64, bias, generator });
        expect(gradcheckModule(lstm, (a, b, d) => flat(...lstm.forward(a, [b, d])), [xi, h, c])).toBe(true);
        expect(gradcheckModule(lstm, (a) => flat(...lstm.forward(a)), [xi])).toBe(true);
      }
    }
  });
});

describe('errors name the layer, the shape and the rule', () => {
  it('bad constructor arguments and options', () => {
    expect(() => new nb.LSTM(0, 4)).toThrow(/LSTM: inputSize must be a positive integer, got 0/);
    expect(() => new nb.GRU(3, 1.5)).toThrow(/GRU: hiddenSize must be a positive integer, got 1.5/);
    expect(() => new nb.RNN(3, 4, { numLayers: 0 })).toThrow(/RNN: numLayers must be a positive integer, got 0/);
    expect(() => new nb.RNN(3, 4, { nonlinearity: 'sigmoid' as 'tanh' })).toThrow(/RNN: nonlinearity must be 'tanh' or 'relu', got 'sigmoid'/);
    expect(() => new nb.GRU(3, 4, { nonlinearity: 'relu' } as object)).toThrow(/GRU: options has an unknown option "nonlinearity"/);
    expect(() => new nb.LSTM(3, 4, { num_layers: 2 } as object)).toThrow(/did you mean "numLayers"/);
    expect(() => new nb.LSTM(3, 4, { dropout: 1.5 })).toThrow(/LSTM: dropout must be a probability in \[0, 1\], got 1.5/);
    expect(() => new nb.LSTM(3, 4, { bidirectional: 1 as unknown as boolean })).toThrow(/LSTM: bidirectional must be a boolean, got 1/);
    expect(() => new nb.LSTM(3, 4, { bias: 'no' as unknown as boolean })).toThrow(/LSTM: bias must be a boolean/);
    expect(() => new nb.LSTM(3, 4, { dtype: 'int32' as 'float32' })).toThrow(/LSTM: dtype must be 'float32' or 'float64'/);
    expect(() => new nb.LSTMCell(3, -1)).toThrow(/LSTMCell: hiddenSize must be a positive integer, got -1/);
    expect(() => new nb.RNNCell(3, 4, { batchFirst: true } as object)).toThrow(/RNNCell: options has an unknown option "batchFirst"/);
  });

  it('wrong inputs and initial states', () => {
    const lstm = new nb.LSTM(3, 4, { numLayers: 2 });
    const x = nb.zeros([5, 2, 3]);
    expect(() => lstm.forward(nb.zeros([3]))).toThrow(/LSTM: expected input \[T, N, inputSize\] or unbatched \[T, inputSize\], got \[3\]/);
    expect(() => new nb.GRU(3, 4, { batchFirst: true }).forward(nb.zeros([1, 2, 3, 4]))).toThrow(/GRU: expected input \[N, T, inputSize\]/);
    expect(() => lstm.forward(nb.zeros([5, 2, 7]))).toThrow(/LSTM: input must have shape \[5, 2, 3\] \(\[T, N, inputSize\] with inputSize = 3\), got \[5, 2, 7\]/);
    expect(() => lstm.forward(nb.zeros([5, 2, 3], f64))).toThrow(/LSTM: input is float64 but the parameters are float32/);
    expect(() => lstm.forward(nb.zeros([0, 2, 3]))).toThrow(/LSTM: the input \[0, 2, 3\] has no time steps/);
    expect(() => lstm.forward(x, [nb.zeros([1, 2, 4]), nb.zeros([2, 2, 4])])).toThrow(/LSTM: h0 must have shape \[2, 2, 4\] \(numLayers \* numDirections, N, hiddenSize\), got \[1, 2, 4\]/);
    expect(() => lstm.forward(x, [nb.zeros([2, 2, 4]), nb.zeros([2, 3, 4])])).toThrow(/LSTM: c0 must have shape \[2, 2, 4\]/);
    expect(() => lstm.forward(nb.zeros([5, 3]), [nb.zeros([2, 1, 4]), nb.zeros([2, 1, 4])])).toThrow(/h0 must have shape \[2, 4\] \(numLayers \* numDirections, hiddenSize\)/);
    expect(() => lstm.forward(x, nb.zeros([2, 2, 4]) as unknown as nb.LSTMState)).toThrow(/LSTM: the initial state must be a pair \[h0, c0\] of tensors, got a Tensor/);
    expect(() => new nb.RNN(3, 4).forward(x, nb.zeros([1, 2, 5]))).toThrow(/RNN: h0 must have shape \[1, 2, 4\]/);
    expect(() => new nb.GRU(3, 4).forward([[1, 2, 3]] as unknown as nb.Tensor)).toThrow(/GRU: expected input .* got an array/);
  });

  it('bad lengths and truncate', () => {
    const gru = new nb.GRU(3, 4);
    const x = nb.zeros([5, 2, 3]);
    expect(() => gru.forward(x, null, { lengths: [5] })).toThrow(/GRU: lengths must be 2 integers \(one per sample\) in \[1, T = 5\], got \[5\]/);
    expect(() => gru.forward(x, null, { lengths: [0, 5] })).toThrow(/in \[1, T = 5\], got \[0, 5\]/);
    expect(() => gru.forward(x, null, { lengths: [6, 5] })).toThrow(/in \[1, T = 5\], got \[6, 5\]/);
    expect(() => gru.forward(x, null, { lengths: [2.5, 5] })).toThrow(/got \[2.5, 5\]/);
    expect(() => gru.forward(x, null, { lengths: nb.tensor([2, 5]) })).toThrow(/GRU: lengths must be an array of numbers or a 1-D int32 tensor, got a float32 tensor of shape \[2\]/);
    expect(() => gru.forward(x, null, { lengths: 5 as unknown as number[] })).toThrow(/GRU: lengths must be an array of numbers or a 1-D int32 tensor, got 5/);
    expect(() => gru.forward(nb.zeros([5, 3]), null, { lengths: [5] })).toThrow(/GRU: lengths need a batched input/);
    expect(() => gru.forward(x, null, { truncate: 0 })).toThrow(/GRU: truncate must be a positive integer .* got 0/);
    expect(() => gru.forward(x, null, { length: [5, 5] } as object)).toThrow(/GRU.forward: options has an unknown option "length" .*did you mean "lengths"/);
  });

  it('cells: wrong input rank, input size, state shape and state pair', () => {
    const cell = new nb.GRUCell(3, 4);
    expect(() => cell.forward(nb.zeros([1, 2, 3]))).toThrow(/GRUCell: expected input \[N, inputSize\] or unbatched \[inputSize\], got \[1, 2, 3\]/);
    expect(() => cell.forward(nb.zeros([2, 5]))).toThrow(/GRUCell: input must have shape \[2, 3\] \(inputSize = 3\), got \[2, 5\]/);
    expect(() => cell.forward(nb.zeros([2, 3]), nb.zeros([3, 4]))).toThrow(/GRUCell: hx must have shape \[2, 4\] \(N, hiddenSize\), got \[3, 4\]/);
    expect(() => cell.forward(nb.zeros([3]), nb.zeros([1, 4]))).toThrow(/GRUCell: hx must have shape \[4\] \(hiddenSize, for an unbatched input\)/);
    expect(() => new nb.LSTMCell(3, 4).forward(nb.zeros([2, 3]), [nb.zeros([2, 4])] as unknown as nb.LSTMState)).toThrow(/LSTMCell: the state must be a pair \[h, c\] of tensors/);
    expect(() => new nb.LSTMCell(3, 4).forward(nb.zeros([2, 3]), [nb.zeros([2, 4]), nb.zeros([2, 3])])).toThrow(/LSTMCell: c must have shape \[2, 4\]/);
  });
});
