/**
 * What a test needs of a child process it started: its output so far (stdout and stderr together), a promise of
 * its exit code, and `waitFor(pattern)`, which resolves with the first match in the output or rejects, with the
 * output, if the process exits first. Shared by the tests that start the gateway as a real process.
 */
import type { ChildProcess } from 'node:child_process';

export interface ProcessOutput {
  exited: Promise<number | null>;
  waitFor(pattern: RegExp): Promise<RegExpExecArray>;
  output(): string;
}

export function watchOutput(child: ChildProcess): ProcessOutput {
  let output = '';
  const waiters: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = (pattern: RegExp): Promise<RegExpExecArray> =>
    new Promise((resolve, reject) => {
      const check = () => {
        const match = pattern.exec(output);
        if (match) resolve(match);
        else waiters.push(check);
      };
      void exited.then((code) => reject(new Error(`exited with ${code} before ${pattern}:\n${output}`)));
      check();
    });
  return { exited, waitFor, output: () => output };
}
