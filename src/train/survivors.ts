import type { Storage } from '../backend/storage.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import { Tensor } from '../tensor/tensor.js';

/**
 * The storages that must survive a training batch: parameters and their gradients, every tensor a
 * module keeps in a field (buffers such as running statistics, caches), and the optimizer's state.
 */
export function batchSurvivors(model: Module, optimizer?: Optimizer): Storage[] {
  const tensors: Tensor[] = [];
  for (const module of model.modules()) {
    for (const value of Object.values(module)) {
      if (value instanceof Tensor) tensors.push(value);
      else if (Array.isArray(value)) for (const item of value) if (item instanceof Tensor) tensors.push(item);
    }
  }
  for (const p of [...model.parameters(), ...(optimizer?.params ?? [])]) {
    tensors.push(p);
    if (p.grad !== null) tensors.push(p.grad);
  }
  if (optimizer !== undefined) tensors.push(...optimizer.stateTensors());
  return tensors.map((t) => t.storage);
}
