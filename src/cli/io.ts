/** Where a command writes: results to `out`, reports and errors to `err`. Tests pass their own. */
export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  /** True when `err` is a terminal (progress lines are shown only then). */
  tty?: boolean;
}

export const processIo: Io = {
  out: (line) => process.stdout.write(line + '\n'),
  err: (line) => process.stderr.write(line + '\n'),
  get tty() {
    return process.stderr.isTTY === true;
  },
};
