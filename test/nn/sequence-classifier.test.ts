import { describe, expect, it } from 'vitest';
import * as nb from '../../src/index.js';
import { allclose } from '../helpers.js';

const { SequenceClassifier, Generator } = nb;

const names = (m: nb.Module) => [...m.namedParameters()].map(([name]) => name);
const shapes = (m: nb.Module) => Object.fromEntries([...m.namedParameters()].map(([name, p]) => [name, [...p.shape]]));
const images = (n: number, rows = 5, cols = 4, seed = 1) => nb.randn([n, 1, rows, cols], { generator: new Generator(seed) });

describe('SequenceClassifier: building each cell', () => {
  it('rnn, gru, lstm: PyTorch names rnn.weight_ih_l0 ... and fc, with gates * H rows', () => {
    for (const [cell, gates] of [['rnn', 1], ['gru', 3], ['lstm', 4]] as const) {
      const m = new SequenceClassifier(cell, 4, 6, 10);
      expect(names(m), cell).toEqual(['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'fc.weight', 'fc.bias']);
      expect(shapes(m)['rnn.weight_ih_l0']).toEqual([gates * 6, 4]);
      expect(shapes(m)['fc.weight']).toEqual([10, 6]);
      expect(Object.keys(m.stateDict())).toEqual(names(m));
      expect(m.numParameters()).toBe(gates * 6 * (4 + 6 + 2) + 6 * 10 + 10);
    }
  });

  it('gated-rnn: rnn.Wc, rnn.Wh, rnn.Wx; attention-rnn: a Linear proj to the state size, then rnn.Q.i, K.i, V.i', () => {
    expect(names(new SequenceClassifier('gated-rnn', 4, 6, 10))).toEqual(['rnn.Wc', 'rnn.Wh', 'rnn.Wx', 'fc.weight', 'fc.bias']);
    const attention = new SequenceClassifier('attention-rnn', 4, 6, 10);
    expect(names(attention)).toEqual(['proj.weight', 'proj.bias', 'rnn.Q.0', 'rnn.Q.1', 'rnn.Q.2', 'rnn.K.0', 'rnn.K.1', 'rnn.K.2', 'rnn.V.0', 'rnn.V.1', 'rnn.V.2', 'fc.weight', 'fc.bias']);
    expect(shapes(attention)['proj.weight']).toEqual([6, 4]);
    expect(shapes(attention)['rnn.Q.0']).toEqual([6, 6]);
    expect((attention.rnn as nb.AttentionRNN).k).toBe(2);
    const all = new SequenceClassifier('attention-rnn', 4, 6, 10, { k: Infinity });
    expect(names(all).filter((n) => n.startsWith('rnn.'))).toEqual(['rnn.Q.0', 'rnn.Q.1', 'rnn.K.0', 'rnn.K.1', 'rnn.V.0', 'rnn.V.1']);
  });

  it('stacked and bidirectional layers: rnn.weight_ih_l1, ..._reverse, and fc reads 2 * H', () => {
    const m = new SequenceClassifier('lstm', 4, 6, 3, { numLayers: 2, bidirectional: true });
    expect(names(m)).toContain('rnn.weight_ih_l1_reverse');
    expect(shapes(m)['rnn.weight_ih_l1']).toEqual([24, 12]);
    expect(shapes(m)['fc.weight']).toEqual([3, 12]);
  });

  it('is reproducible from a generator', () => {
    const a = new SequenceClassifier('gru', 4, 6, 10, { generator: new Generator(5) });
    const b = new SequenceClassifier('gru', 4, 6, 10, { generator: new Generator(5) });
    expect(a.parameters().map((p) => Array.from(p.toTypedArray()))).toEqual(b.parameters().map((p) => Array.from(p.toTypedArray())));
  });
});

describe('SequenceClassifier: forward', () => {
  it('maps images [N, 1, T, F] and sequences [N, T, F] to logits [N, classes], for every cell', () => {
    const x = images(3);
    for (const cell of nb.SEQUENCE_CELLS) {
      const m = new SequenceClassifier(cell, 4, 6, 10, { generator: new Generator(2) });
      const logits = m.forward(x);
      expect([...logits.shape], cell).toEqual([3, 10]);
      expect(Array.from(m.forward(x.reshape([3, 5, 4])).toTypedArray()), cell).toEqual(Array.from(logits.toTypedArray()));
    }
  });

  it('reads the rows as time steps and classifies from the last state: fc(output[:, -1])', () => {
    const x = images(2, 5, 4).to('float64');
    const seq = x.reshape([2, 5, 4]);
    for (const cell of ['rnn', 'gru', 'lstm'] as const) {
      const m = new SequenceClassifier(cell, 4, 6, 3, { dtype: 'float64', generator: new Generator(3) });
      const [output] = (m.rnn as nb.LSTM).forward(seq);
      allclose(m.forward(x), m.fc.forward(output.slice(':', -1)), 1e-12, 0);
    }
    const gated = new SequenceClassifier('gated-rnn', 4, 6, 3, { dtype: 'float64' });
    allclose(gated.forward(x), gated.fc.forward((gated.rnn as nb.GatedRNN).forward(seq).output.slice(':', -1)), 1e-12, 0);
    const attention = new SequenceClassifier('attention-rnn', 4, 6, 3, { dtype: 'float64', k: 1 });
    const states = (attention.rnn as nb.AttentionRNN).forward(attention.proj!.forward(seq)).output;
    allclose(attention.forward(x), attention.fc.forward(states.slice(':', -1)), 1e-12, 0);
  });

  it('bidirectional: the forward direction after the last step beside the backward one after the first', () => {
    const x = images(2, 5, 4).to('float64');
    const m = new SequenceClassifier('gru', 4, 6, 3, { bidirectional: true, numLayers: 2, dtype: 'float64' });
    const [output] = (m.rnn as nb.GRU).forward(x.reshape([2, 5, 4]));
    const last = nb.concat([output.slice(':', -1, [0, 6]), output.slice(':', 0, [6, 12])], 1);
    allclose(m.forward(x), m.fc.forward(last), 1e-12, 0);
  });

  it('truncate changes the gradients, not the logits', () => {
    const x = images(2, 8, 4).to('float64');
    const grads = (truncate?: number) => {
      const m = new SequenceClassifier('lstm', 4, 3, 2, { dtype: 'float64', generator: new Generator(4), truncate });
      const logits = m.forward(x);
      logits.sum().backward();
      return { logits: Array.from(logits.toTypedArray()), grad: Array.from(m.rnn.parameters()[1].grad!.toTypedArray()) };
    };
    const full = grads();
    const truncated = grads(2);
    expect(truncated.logits).toEqual(full.logits);
    expect(truncated.grad).not.toEqual(full.grad);
    expect(grads(8).grad).toEqual(full.grad);
  });

  it('trains with fit: one tensor in, one tensor out', () => {
    const gen = new Generator(0);
    const data = new nb.TensorDataset(nb.randn([40, 1, 4, 3], { generator: gen }), nb.randint(0, 2, [40], { generator: gen }));
    const m = new SequenceClassifier('lstm', 3, 4, 2, { generator: gen });
    const history = nb.fit(m, { loss: nb.objective('cross-entropy'), optimizer: new nb.SGD(m.parameters(), { lr: 0.1 }), train: data, epochs: 2, batchSize: 10 });
    expect(history).toHaveLength(2);
    expect(Number.isFinite(history[1].train_loss)).toBe(true);
  });
});

describe('SequenceClassifier: bad arguments', () => {
  const cases: [string, () => unknown, RegExp][] = [
    ['an unknown cell', () => new SequenceClassifier('transformer' as nb.SequenceCell, 4, 6, 10), /SequenceClassifier: cell must be one of 'rnn', 'gru', 'lstm', 'gated-rnn', 'attention-rnn', got 'transformer'/],
    ['a bad size', () => new SequenceClassifier('lstm', 4, 0, 10), /SequenceClassifier: hiddenSize must be a positive integer, got 0/],
    ['k for lstm', () => new SequenceClassifier('lstm', 4, 6, 10, { k: 2 }), /SequenceClassifier: k does not apply to the lstm cell \(only attention-rnn has it\)/],
    ['numLayers for gated-rnn', () => new SequenceClassifier('gated-rnn', 4, 6, 10, { numLayers: 2 }), /numLayers does not apply to the gated-rnn cell \(only rnn, gru, lstm have it\)/],
    ['truncate for attention-rnn', () => new SequenceClassifier('attention-rnn', 4, 6, 10, { truncate: 2 }), /truncate does not apply to the attention-rnn cell/],
    ['a bad truncate', () => new SequenceClassifier('rnn', 4, 6, 10, { truncate: 0 }), /truncate must be a positive integer/],
    ['a bad k', () => new SequenceClassifier('attention-rnn', 4, 6, 10, { k: -1 }), /AttentionRNN: k must be a non-negative integer or Infinity/],
    ['an unknown option', () => new SequenceClassifier('rnn', 4, 6, 10, { layers: 2 } as never), /SequenceClassifier: options has an unknown option "layers"/],
    ['images of the wrong width', () => new SequenceClassifier('rnn', 4, 6, 10).forward(nb.randn([2, 1, 5, 3])), /SequenceClassifier: expected sequences \[N, T, 4\] or images \[N, 1, T, 4\] \(rows as time steps\), got \[2, 1, 5, 3\]/],
    ['colour images', () => new SequenceClassifier('rnn', 4, 6, 10).forward(nb.randn([2, 3, 5, 4])), /got \[2, 3, 5, 4\]/],
  ];
  it.each(cases)('%s', (_, make, pattern) => expect(make).toThrow(pattern));
});

describe('the SequenceClassifier layer spec', () => {
  const spec = { type: 'SequenceClassifier', cell: 'lstm', input_size: 4, hidden_size: 6, num_classes: 10, num_layers: 2, bidirectional: true, truncate: 3 };

  it('buildNetwork builds the layer alone, with its own parameter names; inside a model spec it is layer 0', () => {
    const m = nb.buildNetwork(spec, { generator: new Generator(1) });
    expect(m).toBeInstanceOf(SequenceClassifier);
    const direct = new SequenceClassifier('lstm', 4, 6, 10, { numLayers: 2, bidirectional: true, truncate: 3, generator: new Generator(1) });
    expect(names(m)).toEqual(names(direct));
    expect(m.parameters().map((p) => Array.from(p.toTypedArray()))).toEqual(direct.parameters().map((p) => Array.from(p.toTypedArray())));
    expect((m as nb.SequenceClassifier).truncate).toBe(3);
    expect(names(nb.buildModel({ layers: [spec] }))[0]).toBe('0.rnn.weight_ih_l0');
    expect(nb.LAYER_TYPES).toContain('SequenceClassifier');
  });

  it('"k": "inf" is AttentionRNN(Infinity), since JSON has no Infinity', () => {
    const m = nb.buildNetwork({ type: 'SequenceClassifier', cell: 'attention-rnn', input_size: 4, hidden_size: 6, num_classes: 10, k: 'inf' }) as nb.SequenceClassifier;
    expect((m.rnn as nb.AttentionRNN).k).toBe(Infinity);
  });

  it('errors name the layer "model" and the arguments in snake_case', () => {
    expect(() => nb.buildNetwork({ ...spec, hidden: 3 })).toThrow(/^model: unknown argument "hidden" \(SequenceClassifier takes cell, input_size, hidden_size, num_classes, num_layers, bidirectional, k, truncate\); did you mean "hidden_size"\?$/);
    expect(() => nb.buildNetwork({ type: 'SequenceClassifier', cell: 'lstm', input_size: 4, num_classes: 10 })).toThrow(/^model: SequenceClassifier needs "hidden_size"/);
    expect(() => nb.buildNetwork({ type: 'SequenceClassifier', cell: 'gated-rnn', input_size: 4, hidden_size: 6, num_classes: 10, num_layers: 1 })).toThrow(/^model: SequenceClassifier: num_layers does not apply to the gated-rnn cell/);
    expect(() => nb.buildNetwork({ layers: [{ ...spec, cell: 'LSTM' }] })).toThrow(/^layers\[0\]: SequenceClassifier: cell must be one of/);
  });
});
