// Random features: a two-layer network whose first layer, ReLU(w x + b), is drawn at random and
// frozen. Fitting the output weights theta is then linear regression in the features Phi, with the
// closed form nb.ridge(Phi, y, lambda). Gradient descent on the same objective,
//     L(theta) = mean((Phi theta - y)^2) + (lambda / n) ||theta||^2
//              = (||Phi theta - y||^2 + lambda ||theta||^2) / n,
// which is n times smaller than ridge's but has the same minimizer, reaches the same loss; then a
// table of how lambda and the number of features D trade training error against test error: more
// features fit the training points more closely, and with too small a lambda they fit the noise.
// Run with `npm run build && node examples/random-features.mjs`.
import * as nb from 'nabla';

const TRAIN = 100;
const NOISE = 0.1;
const MAX_FEATURES = 400;
const generator = new nb.Generator(0);
const options = { dtype: 'float64', generator };

/** n points of y = sin(3x) + N(0, NOISE^2) with x uniform on [-1, 1], x as [n, 1]. */
function sample(n) {
  const x = nb.rand([n, 1], { ...options, low: -1, high: 1 });
  return { x, y: x.mul(3).sin().squeeze(1).add(nb.randn([n], { ...options, std: NOISE })) };
}
const train = sample(TRAIN);
const test = sample(1000);

// One fixed draw of features; using D of them takes the first D, so that smaller sets are nested in larger ones.
const weights = nb.randn([MAX_FEATURES, 1], { ...options, std: 2 });
const biases = nb.rand([MAX_FEATURES], { ...options, low: -2, high: 2 });
const features = (x, d) => nb.linear(x, weights.slice([0, d]), biases.slice([0, d])).relu();

const mse = (phi, theta, y) => phi.matmul(theta).sub(y).square().mean();
const objective = (phi, theta, y, lambda) => mse(phi, theta, y).add(theta.square().sum().mul(lambda / y.shape[0]));

// Closed form against heavy-ball gradient descent (SGD with momentum, full batch), with the step and
// momentum tuned to the Hessian H = 2 (Phi^T Phi + lambda I) / n: its largest eigenvalue by power
// iteration, its smallest bounded below by 2 lambda / n.
const D = 40;
const LAMBDA = 0.1;
const STEPS = 2500;
const phi = features(train.x, D);
const closedForm = nb.ridge(phi, train.y, LAMBDA);
const closedLoss = objective(phi, closedForm, train.y, LAMBDA).item();

const gram = phi.T.matmul(phi).div(TRAIN);
let v = nb.ones([D], { dtype: 'float64' });
for (let i = 0; i < 200; i++) {
  const gv = gram.matmul(v);
  v = gv.div(gv.square().sum().sqrt());
}
const largest = 2 * gram.matmul(v).mul(v).sum().item() + (2 * LAMBDA) / TRAIN;
const smallest = (2 * LAMBDA) / TRAIN;
const lr = 4 / (Math.sqrt(largest) + Math.sqrt(smallest)) ** 2;
const momentum = ((Math.sqrt(largest) - Math.sqrt(smallest)) / (Math.sqrt(largest) + Math.sqrt(smallest))) ** 2;

const theta = new nb.Parameter(nb.zeros([D], { dtype: 'float64' }));
const optimizer = new nb.SGD([theta], { lr, momentum });
for (let step = 1; step <= STEPS; step++) {
  optimizer.zeroGrad();
  objective(phi, theta, train.y, LAMBDA).backward();
  optimizer.step();
}
const [descentLoss, thetaGap] = nb.noGrad(() => [objective(phi, theta, train.y, LAMBDA).item(), theta.sub(closedForm).abs().max().item()]);

console.log(`random features ReLU(w x + b), fixed w ~ N(0, 4), b ~ U(-2, 2); ${TRAIN} training points of y = sin(3x) + N(0, ${NOISE}^2)`);
console.log(`objective mean((Phi theta - y)^2) + (lambda / n) ||theta||^2 with D = ${D}, lambda = ${LAMBDA}:`);
console.log(`  closed form (nb.ridge)           ${closedLoss.toFixed(12)}`);
console.log(`  gradient descent, ${STEPS} steps   ${descentLoss.toFixed(12)}`);
console.log(`  difference ${Math.abs(descentLoss - closedLoss).toExponential(2)}, max |theta_gd - theta_ridge| ${thetaGap.toExponential(2)}`);
console.log(`  (step ${lr.toExponential(3)}, momentum ${momentum.toFixed(4)}, Hessian eigenvalues in [${smallest.toExponential(2)}, ${largest.toFixed(2)}])`);

const LAMBDAS = [1e-6, 1e-3, 1e-1, 10];
const FEATURE_COUNTS = [5, 20, 100, 400];
console.log('\ntrain / test MSE by number of features D (rows) and lambda (columns):');
console.log(`${'D'.padStart(5)}${LAMBDAS.map((l) => `lambda=${l < 0.01 ? l.toExponential() : l}`.padStart(20)).join('')}`);
for (const d of FEATURE_COUNTS) {
  const trainPhi = features(train.x, d);
  const testPhi = features(test.x, d);
  const cells = LAMBDAS.map((lambda) => {
    const fit = nb.ridge(trainPhi, train.y, lambda);
    return `${mse(trainPhi, fit, train.y).item().toFixed(5)} / ${mse(testPhi, fit, test.y).item().toFixed(5)}`.padStart(20);
  });
  console.log(`${String(d).padStart(5)}${cells.join('')}`);
}
