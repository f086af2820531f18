// Autograd and a tiny network, by hand: learn XOR with a 2-8-1 tanh/sigmoid network.
import * as nb from 'nabla';

nb.manualSeed(1);
const x = nb.tensor([[0, 0], [0, 1], [1, 0], [1, 1]]);
const y = nb.tensor([[0], [1], [1], [0]]);

const model = new nb.Sequential(new nb.Linear(2, 8), new nb.Tanh(), new nb.Linear(8, 1));
const optimizer = new nb.Adam(model.parameters(), { lr: 0.05 });

for (let step = 1; step <= 500; step++) {
  optimizer.zeroGrad();
  const loss = nb.binaryCrossEntropyWithLogits(model.forward(x), y);
  loss.backward();
  optimizer.step();
  if (step % 100 === 0) console.log(`step ${step}: loss ${loss.item().toFixed(4)}`);
}

console.log('predictions:', nb.noGrad(() => model.forward(x).sigmoid()).toString());
