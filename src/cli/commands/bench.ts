export const BENCH_HELP = '';
export async function benchCommand(): Promise<number> { return 0; }
