/** A problem with the user's input (flag, file, data) that is reported as one line, without a stack trace. */
export class UsageError extends Error {
  override name = 'UsageError';
}
