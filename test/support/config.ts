/** The config tests' shared check: a bad environment throws one error listing every problem, one line each. */
import { expect } from 'vitest';

type Env = Readonly<Record<string, string | undefined>>;
type ProblemsError = Error & { readonly problems: readonly string[] };

/** The problems `load(env)` reports (fails the test unless it throws an `errorClass`). */
export function configProblems<E extends ProblemsError>(
  load: (env: Env) => unknown,
  errorClass: new (problems: readonly string[]) => E,
  env: Env,
): readonly string[] {
  try {
    load(env);
  } catch (error) {
    expect(error).toBeInstanceOf(errorClass);
    const config = error as E;
    // The message lists every problem, one per line, so the process can print it and exit.
    for (const problem of config.problems) expect(config.message).toContain(`  - ${problem}`);
    return config.problems;
  }
  throw new Error(`expected a ${errorClass.name} for ${JSON.stringify(env)}`);
}
