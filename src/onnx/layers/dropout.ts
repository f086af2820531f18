import { Dropout, Dropout2d } from '../../nn/layers/dropout.js';
import { exporterFor } from '../layer-exporter.js';

/** Dropout in its eval() form, the identity: no node at all. */
export const DROPOUT_EXPORTERS = [
  exporterFor(Dropout, (_layer, input) => input),
  exporterFor(Dropout2d, (_layer, input) => input),
];
