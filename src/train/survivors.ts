import type { Storage } from '../backend/storage.js';
import type { Module } from '../nn/module.js';
import type { Optimizer } from '../optim/optimizer.js';
import type { Tensor } from '../tensor/tensor.js';

/** The storages that must survive a training batch: parameters, their gradients, module state and optimizer state. */
export function batchSurvivors(model: Module, optimizer?: Optimizer): Storage[] {
  const tensors: Tensor[] = [...model.parameters(), ...Object.values(model.stateDict())];
  for (const p of [...model.parameters(), ...(optimizer?.params ?? [])]) {
    tensors.push(p);
    if (p.grad !== null) tensors.push(p.grad);
  }
  if (optimizer !== undefined) tensors.push(...optimizer.stateTensors());
  return tensors.map((t) => t.storage);
}
