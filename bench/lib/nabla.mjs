// nabla, written the way a user would write it: zeroGrad, forward, crossEntropy, backward, step.
import { readFileSync } from 'node:fs';
import { crossEntropy, Generator, mlp, SGD } from '../../dist/index.js';

const VERSION = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')).version;

/** Returns `{ library, version, step(x, y) -> loss }` (x, y: nabla tensors from the DataLoader). */
export async function setupNabla({ sizes, lr, momentum, seed }) {
  const model = mlp({ inputSize: sizes[0], hiddenSizes: sizes.slice(1, -1), outputSize: sizes.at(-1), activation: 'sigmoid' },
    { init: 'xavier-uniform', generator: new Generator(seed) });
  const optimizer = new SGD(model.parameters(), { lr, momentum });
  const step = (x, y) => {
    optimizer.zeroGrad();
    const loss = crossEntropy(model.forward(x), y);
    loss.backward();
    optimizer.step();
    return loss.item();
  };
  return { library: 'nabla', version: VERSION, step };
}
