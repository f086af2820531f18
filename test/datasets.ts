import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The real MNIST and Fashion-MNIST files the tests read, as a user's files: by default the team's
 * shared copy beside the repository (<repo>/../shared/datasets, where CI puts it), or the folder
 * named by NABLA_TEST_DATASETS (with mnist/ and fashion-mnist/ inside).
 */
export const DATASETS = process.env.NABLA_TEST_DATASETS ?? resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'datasets');

/** vitest global setup: one clear message instead of dozens of failures when the files are missing. */
export default function checkDatasets(): void {
  const missing = ['mnist', 'fashion-mnist'].filter((name) => !existsSync(resolve(DATASETS, name)));
  if (missing.length > 0) {
    throw new Error(
      `the tests read the real datasets from ${DATASETS}, which lacks ${missing.join(' and ')}; ` +
        'put the IDX files there (beside the repository, as shared/datasets) or set NABLA_TEST_DATASETS to a folder holding mnist/ and fashion-mnist/',
    );
  }
}
