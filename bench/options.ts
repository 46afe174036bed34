/** Command-line options of `npm run bench`. */

export interface BenchOptions {
  sizes: number[];
  quick: boolean;
  /** Where results/<date>.json and .svg go. */
  outDir: string;
  /** Where synthetic CRLs, blobs and child bundles are kept between runs. */
  cacheDir: string;
  /** Child-process repeats of each preprocess/cold-load measurement (medians are reported). */
  repeats: number;
  /** benchmark.js time budget per lookup method, seconds. */
  lookupSeconds: number;
  /** Requests timed per handler/revalidation variant. */
  requests: number;
  /** Skip pkijs at a size whose estimated run time exceeds this, seconds. */
  pkijsBudgetSeconds: number;
  /** `--only`: the sections to run (the artefacts always run: the others read them); undefined = all. */
  only?: ReadonlySet<Section>;
}

export const SECTIONS = ['preprocess', 'cold-load', 'lookup', 'handler', 'revalidation', 'ocsp', 'delta', 'deployed'] as const;
export type Section = (typeof SECTIONS)[number];

/** Whether a section is to run. */
export const runs = (opts: Pick<BenchOptions, 'only'>, section: Section): boolean => !opts.only || opts.only.has(section);

export const USAGE = `usage: npm run bench -- [--sizes 1e4,1e5,1e6[,1e7]] [--quick] [--out DIR] [--cache DIR] [--repeats N] [--only ${SECTIONS.join(',')}]`;

export function parseOptions(argv: readonly string[], cwd: string): BenchOptions {
  let sizes: number[] | undefined;
  let quick = false;
  let outDir = `${cwd}/bench/results`;
  let cacheDir = `${cwd}/bench/.cache`;
  let repeats: number | undefined;
  let only: Set<Section> | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    switch (flag) {
      case '--quick':
        quick = true;
        break;
      case '--sizes':
        sizes = value().split(',').map(parseSize);
        break;
      case '--out':
        outDir = value();
        break;
      case '--cache':
        cacheDir = value();
        break;
      case '--repeats':
        repeats = Number(value());
        if (!Number.isInteger(repeats) || repeats < 1) throw new UsageError('--repeats must be a positive integer');
        break;
      case '--only':
        only = new Set(
          value()
            .split(',')
            .map((v) => {
              const name = v.trim() as Section;
              if (!SECTIONS.includes(name)) throw new UsageError(`--only: unknown section "${v}" (sections: ${SECTIONS.join(', ')})`);
              return name;
            }),
        );
        break;
      case '--help':
      case '-h':
        throw new UsageError(USAGE);
      default:
        throw new UsageError(`unknown argument ${arg}\n${USAGE}`);
    }
  }
  return {
    sizes: [...new Set(sizes ?? (quick ? [1_000, 10_000] : [10_000, 100_000, 1_000_000]))].sort((a, b) => a - b),
    quick,
    outDir,
    cacheDir,
    repeats: repeats ?? (quick ? 1 : 3),
    lookupSeconds: quick ? 0.05 : 0.6,
    requests: quick ? 300 : 5_000,
    pkijsBudgetSeconds: quick ? 5 : 20,
    ...(only && { only }),
  };
}

export class UsageError extends Error {}

/** `1e6`, `1000000`, `1_000_000`, `1m`, `10k`. */
export function parseSize(text: string): number {
  const t = text.trim().toLowerCase().replace(/_/g, '');
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([km]?)$/.exec(t);
  const n = m ? Number(m[1]) * (m[2] === 'k' ? 1e3 : m[2] === 'm' ? 1e6 : 1) : NaN;
  if (!Number.isInteger(n) || n < 1 || n > 2e7) throw new UsageError(`size "${text}" is not an entry count (1..2e7)`);
  return n;
}
