import { writeFileSync } from 'node:fs';

/** Progress lines go to stderr; the result goes to BENCH_RESULT_FILE (or stdout) as JSON. */
export function progress(benchmark: string, message: string): void {
  process.stderr.write(`[${benchmark}] ${message}\n`);
}

export function emitResult(result: object): void {
  const json = JSON.stringify(result, null, 2);
  const file = process.env.BENCH_RESULT_FILE;
  if (file) writeFileSync(file, `${json}\n`);
  else process.stdout.write(`${json}\n`);
}

/** Runs a benchmark's main function; any failure ends the process with a non-zero code. */
export function runMain(benchmark: string, main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (error: unknown) => {
      progress(
        benchmark,
        `failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
      );
      process.exit(1);
    },
  );
}
