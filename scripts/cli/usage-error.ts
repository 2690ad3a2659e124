/** Bad command-line input: reported with the command's usage text, exit code 2. */
export class UsageError extends Error {}
