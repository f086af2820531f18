// nb.linalg: torch.linalg's factorizations and solves on batches of matrices, differentiable.
export { solve } from './solve.js';
export { solveTriangular, type SolveTriangularOptions } from './triangular.js';
export { inv } from './inv.js';
export { det, slogdet, type SlogdetResult } from './det.js';
export { cholesky, type CholeskyOptions } from './cholesky.js';
export { qr, type QrResult } from './qr.js';
export { lstsq, type LstsqResult } from './lstsq.js';
export { LinalgError } from './errors.js';
